// Target: fluent-bit. Logging adapter configs → OUT/fluent-bit/<name>.conf (templates/fluent-bit/*.hbs).
import type { Model } from '../model.js';
import type { OutputFile } from '../output/files.js';
import { configFiles } from './configs.js';

export function renderFluentBit(model: Model): Iterable<OutputFile> {
  return configFiles(model, 'fluent-bit');
}
