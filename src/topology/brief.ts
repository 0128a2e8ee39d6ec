// How a message quotes a value of the user's: whole when it is short, else its start and how long
// it is. A message about a 5,000-character string, a block scalar of 200 lines or a mapping of 40
// keys is then one line that says what the value is, not the value again. (Short values print
// exactly as they always did; src/topology/schema.ts, load.ts.)

/** A string longer than this many characters is cut with `…` in a message. */
export const BRIEF_CHARS = 40;
/** A mapping or a list whose JSON is longer than this is described in a message, not printed. */
export const BRIEF_JSON = 60;
/** How many keys of a mapping a description names. */
export const BRIEF_KEYS = 3;

/** The first `max` characters of `s` (code points: never half of a surrogate pair), or undefined
 *  when `s` has no more than `max`. Reads no further than `max` characters into `s`. */
function head(s: string, max: number): string | undefined {
  if (s.length <= max) return undefined;
  let out = '';
  let n = 0;
  for (const ch of s) {
    if (n === max) return out;
    out += ch;
    n++;
  }
  return undefined;
}

/** How many characters (code points, as the schema's lengths count them) `s` has. */
export function characters(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** `s` cut to BRIEF_CHARS characters and `…` when it is longer; `s` itself otherwise. */
export function cut(s: string, max = BRIEF_CHARS): string {
  const h = head(s, max);
  return h === undefined ? s : `${h}…`;
}

/** `s` in double quotes as JSON writes it (a newline as \n), cut when long, with its length:
 *  `"lorem ipsum dolor sit amet, consectetur…" (1204 characters)`. */
export function quotedBrief(s: string): string {
  const h = head(s, BRIEF_CHARS);
  return h === undefined ? JSON.stringify(s) : `${JSON.stringify(`${h}…`)} (${characters(s)} characters)`;
}

/** `s` between backticks, cut when long, with its length: `` `lorem ipsum…` (1204 characters) ``. */
export function codeBrief(s: string): string {
  const h = head(s, BRIEF_CHARS);
  return h === undefined ? `\`${s}\`` : `\`${h}…\` (${characters(s)} characters)`;
}

/** A mapping or a list in words: `a mapping (12 keys: a, b, c, …)`, `a list of 40 items`. */
export function collectionBrief(v: object): string {
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  const keys = Object.keys(v);
  const named = keys.slice(0, BRIEF_KEYS).map((k) => cut(k));
  if (keys.length > BRIEF_KEYS) named.push('…');
  return `a mapping (${keys.length} key${keys.length === 1 ? '' : 's'}${named.length ? `: ${named.join(', ')}` : ''})`;
}
