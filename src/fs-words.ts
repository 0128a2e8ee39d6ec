// What a file-system error code means, in words for a diagnostic (one table for every command).
const WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a part of the path is a file, not a directory',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links in the path (a link that points back at itself?)',
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
};

/** `code` (an errno name such as EACCES) in words; an unknown code as it is, in lower case. */
export function fsWords(code: string | undefined): string {
  if (code === undefined) return 'unknown error';
  return WORDS[code] ?? code.toLowerCase();
}
