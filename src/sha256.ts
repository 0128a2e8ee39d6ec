// SHA-256, with node:crypto loaded on first use: it brings ~30 of Node's internal modules
// (streams, key handling; ~8 ms of a start), which `validate`, `generate --stdout` and most
// topologies never need -- only the writer's manifest (and a Kafka cluster id) hash.
import type { Hash } from 'node:crypto';

let crypto: typeof import('node:crypto') | undefined;

/** A fresh SHA-256 hash. */
export function sha256(): Hash {
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto.createHash('sha256');
}
