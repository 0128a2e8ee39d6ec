// Is an image reference one a container runtime can pull? The grammar of the distribution
// project's reference package (what docker, containerd and the kubelet parse):
//   [registry[:port]/]path[:tag][@digest]
// path: components of lower-case letters and digits, joined by `.`, `_`, `__` or dashes; the
// registry may have upper case; a tag is at most 128 of [A-Za-z0-9_.-], not starting with . or -.
// A reference outside it passes the schema (no spaces) but every pod of it fails with
// InvalidImageName, so it is caught at `ddp validate`.

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** What is wrong with `ref` as an image reference, in words; undefined when it is one. */
export function imageProblem(ref: string): string | undefined {
  // a big topology names a handful of images thousands of times (and validate asks twice for each)
  if (GOOD.has(ref)) return undefined;
  const why = referenceProblem(ref);
  if (why === undefined && GOOD.size < 10_000) GOOD.add(ref);
  return why;
}

/** References already found good. */
const GOOD = new Set<string>();

function referenceProblem(ref: string): string | undefined {
  const m = REFERENCE.exec(ref);
  if (m) return m[1]!.length > 255 ? 'the repository name is longer than 255 characters' : undefined;
  // say what is most likely wrong
  const at = ref.indexOf('@');
  const nameAndTag = at < 0 ? ref : ref.slice(0, at);
  if (at >= 0 && !new RegExp(`^${DIGEST}$`).test(ref.slice(at + 1))) return 'after @ comes a digest: an algorithm and at least 32 hex digits, e.g. @sha256:<64 hex digits>';
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  const [name, tag] = colon > slash ? [nameAndTag.slice(0, colon), nameAndTag.slice(colon + 1)] : [nameAndTag, undefined];
  if (tag !== undefined && !new RegExp(`^${TAG}$`).test(tag)) return tag === '' ? 'the tag after `:` is empty' : 'a tag is at most 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`';
  const path = name.includes('/') && /[.:]|^localhost$|[A-Z]/.test(name.slice(0, name.indexOf('/'))) ? name.slice(name.indexOf('/') + 1) : name;
  if (/[A-Z]/.test(path)) return 'a repository name is lower case (only the registry host may have capitals)';
  return 'expected [registry[:port]/]name[:tag][@digest], the name made of lower-case letters, digits and `.`, `_`, `-` between them, parts joined by `/`';
}
