// Target: nginx. Every nginx config the topology runs → OUT/nginx/<name>.conf (templates/nginx/*.hbs).
import type { Model } from '../model.js';
import type { OutputFile } from '../output/files.js';
import { configFiles } from './configs.js';

export function renderNginx(model: Model): Iterable<OutputFile> {
  return configFiles(model, 'nginx');
}
