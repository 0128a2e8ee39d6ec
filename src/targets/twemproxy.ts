// Target: twemproxy. Every twemproxy config the topology runs → OUT/twemproxy/<name>.yml (templates/twemproxy/*.hbs).
import type { Model } from '../model.js';
import type { OutputFile } from '../output/files.js';
import { configFiles } from './configs.js';

export function renderTwemproxy(model: Model): Iterable<OutputFile> {
  return configFiles(model, 'twemproxy');
}
