// Target: varnish. Every varnish config the topology runs → OUT/varnish/<name>.vcl (templates/varnish/*.hbs).
import type { Model } from '../model.js';
import type { OutputFile } from '../output/files.js';
import { configFiles } from './configs.js';

export function renderVarnish(model: Model): Iterable<OutputFile> {
  return configFiles(model, 'varnish');
}
