// Peak memory (DESIGN.md: under 300 MB, 10,000 services included). V8 leaves short-lived garbage
// that outlived a scavenge in the old space until the heap reaches a limit it sets after each full
// collection — for a big topology that is twice what is alive. `generate` drops the output as it
// writes it, so before each target a full collection returns the heap to what is alive (the
// model, ~13 KB a service). A collection takes ~100 ms at 10,000 services: only big runs ask.
// At 10,000 services, collecting before kubernetes and compose only peaked at 287-314 MB
// (compose alone leaves ~45 MB of such garbage); before every target, 280-293 MB; and every
// 2,500 pieces of compose's file too (flow.ts checkedPieces), 280-283 MB (~0.3 s more of ~5.5 s).
// The twelfth session's output (real-ip lines, IPv6 listen includes, the chunked-response VCL: 9 %
// more bytes) brought it to 293-302 MB; two things held memory they did not need, and with them
// let go it is 289-291 MB (/usr/bin/time, KiB): the one-pass YAML check kept each key of compose's
// `services:` as a slice of its piece, so every piece of the file stayed alive (output/yaml-check.ts
// addKey), and the model held every config's text to the end (targets/configs.ts configFiles).

/** Topologies below this many services never collect: their peak is far below the budget, and
 *  collections before kubernetes and compose cost ~4 % of a 1,000-service run (callgrind) for nothing -- its peak is
 *  117-120 MB with them or without; 2,999 services peak at 156-166 MB without. */
export const BIG = 3000;

let gc: (() => void) | null | undefined;

/** A full garbage collection when `services` ≥ BIG; nothing otherwise, or where V8 will not. */
export function collectIfBig(services: number): void {
  if (services < BIG) return;
  if (gc === undefined) {
    try {
      // loaded here, not at start-up (node:v8 costs ~3 ms); the flag exposes `gc` to contexts created after it is set
      process.getBuiltinModule('node:v8').setFlagsFromString('--expose-gc');
      gc = process.getBuiltinModule('node:vm').runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
