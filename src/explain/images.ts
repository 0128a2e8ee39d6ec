// `ddp add --image`: your images in place of the example ones (ghcr.io/acme/...) in the text a
// pattern's snippet adds. A pattern with one image takes `--image IMAGE`; one with several names
// each by the key that holds it: `--image root=IMAGE --image leaves=IMAGE` (scatter-gather),
// `map=`/`reduce=` (batch), `worker=` (work-queue), a stage's name (pipeline).
import { DdpError, didYouMean, error } from '../diagnostics.js';
import { imageProblem } from '../topology/image-ref.js';

/** An example image in an added text, and the key that holds it (`image` for the entry's own). */
export interface ImageSlot {
  role: string;
  placeholder: string;
}

const PLACEHOLDER = /ghcr\.io\/acme\/[a-z0-9-]+:[0-9.]+/;
/** `  root: { image: ...` or `    copy:    { kind: copier, image: ...`: the mapping's key names the image */
const IN_FLOW_MAPPING = /^\s*(?:- )?([a-z0-9-]+):\s*\{.*\bimage:\s/;

/** Every example image of `text`, in order, each with its role. */
export function imageSlots(text: string): ImageSlot[] {
  const slots: ImageSlot[] = [];
  for (const line of text.split('\n')) {
    const m = PLACEHOLDER.exec(line);
    if (!m) continue;
    slots.push({ role: IN_FLOW_MAPPING.exec(line)?.[1] ?? 'image', placeholder: m[0] });
  }
  return slots;
}

/** An image as a YAML value: plain where that reads back as the same string, double-quoted otherwise. */
function yamlValue(ref: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(ref) ? ref : JSON.stringify(ref);
}

/**
 * `text` with the images `--image` gives (each `IMAGE` or `ROLE=IMAGE`) in place of the example
 * ones; throws a diagnostic for a reference a runtime cannot pull, an unknown or repeated role, or a
 * bare IMAGE where the pattern has several.
 */
export function withImages(text: string, given: readonly string[], what: string): string {
  if (!given.length) return text;
  const slots = imageSlots(text);
  const roles = slots.map((s) => s.role);
  if (!slots.length) throw new DdpError(error('bad-option', `--image: ${what} has no image of yours to set`, { hint: 'drop --image' }));
  const chosen = new Map<string, string>();
  for (const g of given) {
    const eq = g.indexOf('=');
    const role = eq < 0 ? undefined : g.slice(0, eq);
    const ref = eq < 0 ? g : g.slice(eq + 1);
    const problem = imageProblem(ref);
    if (problem !== undefined) throw new DdpError(error('bad-image', `--image ${JSON.stringify(g)}: image \`${ref}\` cannot be pulled: ${problem}`, { hint: 'e.g. --image registry.example.com/team/app:1.4.2' }));
    if (role === undefined && slots.length > 1) {
      throw new DdpError(error('bad-option', `--image ${g}: ${what} has ${slots.length} images (${roles.join(', ')}): say which each is`, { hint: roles.map((r) => `--image ${r}=IMAGE`).join(' ') }));
    }
    if (role !== undefined && slots.length === 1 && role !== roles[0]) {
      throw new DdpError(error('bad-option', `--image ${g}: ${what} has one image${roles[0] === 'image' ? '' : ` (\`${roles[0]}\`)`}`, { hint: `--image ${ref}` }));
    }
    const key = role ?? roles[0]!;
    if (!roles.includes(key)) {
      const guess = didYouMean(key, roles);
      throw new DdpError(error('bad-option', `--image ${g}: ${what} has no image \`${key}\``, { hint: guess ? `did you mean \`${guess}=\`? (its images: ${roles.join(', ')})` : `its images: ${roles.join(', ')}` }));
    }
    if (chosen.has(key)) throw new DdpError(error('bad-option', `--image gives the image ${slots.length > 1 ? `\`${key}\` ` : ''}twice`, { hint: 'give each image once' }));
    chosen.set(key, ref);
  }
  let out = text;
  for (const s of slots) {
    const ref = chosen.get(s.role);
    if (ref !== undefined) out = out.replace(s.placeholder, yamlValue(ref));
  }
  return out;
}
