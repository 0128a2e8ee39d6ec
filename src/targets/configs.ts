// The config-file targets (nginx, varnish, twemproxy, fluent-bit) share one renderer: each
// ConfigFile renders templates/<target>/<template>.hbs. Rendered once, before the other targets,
// so Kubernetes ConfigMaps and compose mounts carry the very same bytes.
import type { ConfigFile, Model } from '../model.js';
import { configPath, DEFAULT_SCRATCH } from '../model.js';
import { render } from '../render/engine.js';
import { endWithNewline } from '../render/text.js';
import type { OutputFile } from '../output/files.js';

export function renderConfig(cfg: ConfigFile): string {
  return endWithNewline(render(`${cfg.target}/${cfg.template}`, { ...cfg.data, scratch: cfg.scratch ?? DEFAULT_SCRATCH }));
}

/** Fill in `content` on every config of the model (mutates; called once by the pipeline). */
export function renderAllConfigs(model: Model): void {
  for (const unit of model.units) for (const cfg of unit.configs) cfg.content ??= renderConfig(cfg);
}

/** The config files of one target, one at a time. Each is its text's last reader (the config
 *  targets come after Kubernetes and compose): the model lets go of it once the next is asked for,
 *  so a big run does not hold every config's text to the end (~25 MB at 10,000 services); asked
 *  for again, renderAllConfigs renders it again. */
export function* configFiles(model: Model, target: ConfigFile['target']): Generator<OutputFile> {
  for (const unit of model.units) {
    for (const cfg of unit.configs) {
      if (cfg.target !== target) continue;
      yield { path: configPath(cfg), content: cfg.content!, target };
      cfg.content = undefined;
    }
  }
}
