/**
 * A tiny authoritative DNS server (UDP, node:dgram) for end-to-end tests of what re-resolves a
 * name: it answers A queries for the names of a table the test changes while it runs, with a
 * short TTL. Enough of RFC 1035 for nginx's resolver and glibc's stub resolver:
 *  - a name in the table: A → its address (one answer); any other type → no answer, NOERROR
 *    (nginx asks AAAA too, and waits for that answer as well);
 *  - any other name: NXDOMAIN; a message that is not a standard query: FORMERR or NOTIMP.
 * It counts the A queries per name, so a test can see that a proxy asked again.
 */
import dgram from 'node:dgram';

export interface DnsServer {
  readonly address: string;
  readonly port: number;
  /** Point `name` at `ipv4` from the next query on (undefined: the name no longer exists). */
  set(name: string, ipv4: string | undefined): void;
  /** A queries received for `name` so far. */
  queries(name: string): number;
  stop(): Promise<void>;
}

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE = { noError: 0, formErr: 1, nxDomain: 3, notImp: 4 } as const;

export interface Question {
  name: string; // lower-case, no trailing dot
  type: number;
  class: number;
  end: number; // offset just past the question
}

/** The first question of a query (names in a question are never compressed), or undefined when the message is cut short. */
export function parseQuestion(msg: Buffer): Question | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  for (;;) {
    if (i >= msg.length) return undefined;
    const len = msg[i]!;
    if (len === 0) break;
    if (len > 63 || i + 1 + len > msg.length) return undefined;
    labels.push(msg.toString('latin1', i + 1, i + 1 + len));
    i += 1 + len;
  }
  if (i + 5 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i + 1), class: msg.readUInt16BE(i + 3), end: i + 5 };
}

/** The answer to `query`: its id, question and RD flag, with `ipv4` as the one A record (or none). */
export function answer(query: Buffer, q: Question | undefined, rcode: number, ipv4: string | undefined, ttl: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.length >= 2 ? query.readUInt16BE(0) : 0, 0);
  const rd = query.length >= 3 ? query[2]! & 0x01 : 0;
  const opcode = query.length >= 3 ? query[2]! & 0x78 : 0;
  header[2] = 0x80 | opcode | 0x04 | rd; // QR, the query's opcode, AA, RD copied
  header[3] = rcode; // RA = 0: no recursion here
  header.writeUInt16BE(q ? 1 : 0, 4);
  header.writeUInt16BE(ipv4 ? 1 : 0, 6);
  const question = q ? query.subarray(12, q.end) : Buffer.alloc(0);
  if (!ipv4) return Buffer.concat([header, question]);
  const rr = Buffer.alloc(16);
  rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
  rr.writeUInt16BE(TYPE_A, 2);
  rr.writeUInt16BE(CLASS_IN, 4);
  rr.writeUInt32BE(ttl, 6);
  rr.writeUInt16BE(4, 10);
  ipv4.split('.').forEach((octet, k) => (rr[12 + k] = Number(octet)));
  return Buffer.concat([header, question, rr]);
}

/** Starts the server on `address:port` (port 0: any free one) with `table` (name → IPv4). */
export function startDnsServer(address: string, table: Record<string, string>, opts: { port?: number; ttl?: number } = {}): Promise<DnsServer> {
  const ttl = opts.ttl ?? 1;
  const names = new Map(Object.entries(table).map(([n, ip]) => [n.toLowerCase(), ip]));
  const counts = new Map<string, number>();
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const q = parseQuestion(msg);
    const isQuery = msg.length >= 3 && (msg[2]! & 0xf8) === 0; // QR = 0, opcode QUERY
    let reply: Buffer;
    if (!q) reply = answer(msg, undefined, RCODE.formErr, undefined, ttl);
    else if (!isQuery || q.class !== CLASS_IN) reply = answer(msg, q, RCODE.notImp, undefined, ttl);
    else if (!names.has(q.name)) reply = answer(msg, q, RCODE.nxDomain, undefined, ttl);
    else {
      if (q.type === TYPE_A) counts.set(q.name, (counts.get(q.name) ?? 0) + 1);
      reply = answer(msg, q, RCODE.noError, q.type === TYPE_A ? names.get(q.name) : undefined, ttl);
    }
    socket.send(reply, peer.port, peer.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port ?? 0, address, () => {
      socket.off('error', reject);
      resolve({
        address,
        port: socket.address().port,
        set: (name, ipv4) => void (ipv4 === undefined ? names.delete(name.toLowerCase()) : names.set(name.toLowerCase(), ipv4)),
        queries: (name) => counts.get(name.toLowerCase()) ?? 0,
        stop: () => new Promise((r) => socket.close(() => r())),
      });
    });
  });
}
