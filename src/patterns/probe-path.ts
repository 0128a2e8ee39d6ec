// The request target of an HTTP readiness probe: the kubelet builds a Go url.URL from `path` and
// sends its RequestURI, so a varnish probe that asks the same backend the same thing must send the
// very same bytes. Go (net/url) keeps a path that is already escaped as written -- `%20` stays
// `%20`, never `%2520` -- escapes one that is not from its decoded form, keeps the query as
// written, and sends no fragment; a `%` that starts no escape makes the whole text the path.

/** Bytes Go's net/url leaves unescaped in a path it escapes itself (shouldEscape, encodePath). */
const PATH_BYTE = /[A-Za-z0-9\-_.~$&+,/:;=@]/;
/** A path Go sends as written (validEncoded, encodePath): these characters and valid escapes only. */
const AS_WRITTEN = /^(?:[A-Za-z0-9\-_.~$&+,/:;=@!'()*[\]]|%[0-9A-Fa-f]{2})*$/;
/** Characters a query may hold in a request line (RFC 3986), `%` included as written. */
const QUERY_CHAR = /[A-Za-z0-9\-_.~!$&'()*+,;=:@/?%[\]]/;

const badEscape = (s: string): boolean => /%(?![0-9A-Fa-f]{2})/.test(s);
const hex = (b: number): string => `%${b.toString(16).toUpperCase().padStart(2, '0')}`;

/** UTF-8 bytes of `s`, each `%XX` decoded to its byte. */
function decodedBytes(s: string): number[] {
  const out: number[] = [];
  const utf8 = new TextEncoder().encode(s);
  for (let i = 0; i < utf8.length; i++) {
    const isEscape = utf8[i] === 0x25 && i + 2 < utf8.length && /^[0-9A-Fa-f]{2}$/.test(String.fromCharCode(utf8[i + 1], utf8[i + 2]));
    if (isEscape) {
      out.push(parseInt(String.fromCharCode(utf8[i + 1], utf8[i + 2]), 16));
      i += 2;
    } else out.push(utf8[i]);
  }
  return out;
}

const escapeBytes = (bytes: Iterable<number>, keep: RegExp): string => Array.from(bytes, (b) => (b < 0x80 && keep.test(String.fromCharCode(b)) ? String.fromCharCode(b) : hex(b))).join('');

/** The request target (path and query) the kubelet sends for a readiness `path`. */
export function kubeletRequestTarget(path: string): string {
  const hash = path.indexOf('#');
  const [beforeFragment, fragment] = hash < 0 ? [path, ''] : [path.slice(0, hash), path.slice(hash + 1)];
  const q = beforeFragment.indexOf('?');
  const [rawPath, query] = q < 0 ? [beforeFragment, undefined] : [beforeFragment.slice(0, q), beforeFragment.slice(q + 1)];
  // url.Parse fails; the kubelet then takes the whole text as the path
  if (badEscape(rawPath) || badEscape(fragment)) return escapeBytes(new TextEncoder().encode(path), PATH_BYTE);
  const target = AS_WRITTEN.test(rawPath) ? rawPath : escapeBytes(decodedBytes(rawPath), PATH_BYTE);
  return query === undefined ? target : `${target}?${escapeBytes(new TextEncoder().encode(query), QUERY_CHAR)}`;
}
