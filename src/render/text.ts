// Small string helpers for rendered files. Scans from the end instead of /\n*$/: that regular
// expression is tried at every position of the string, which costs ~70 ms on a 16 MB compose file.

/** `text` without its trailing newlines. */
export function trimNewlines(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** `text` ending with exactly one newline (`text` itself when it does: no copy of a big file). */
export function endWithNewline(text: string): string {
  const n = text.length;
  if (n > 0 && text.charCodeAt(n - 1) === 10 && (n === 1 || text.charCodeAt(n - 2) !== 10)) return text;
  return trimNewlines(text) + '\n';
}
