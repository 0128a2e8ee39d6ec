// A proxy ambassador to a Service of the topology (`upstream: web:8080`, `carts-router:6379`) must
// connect to a port that Service serves: nginx -t resolves the name but knows no ports, and every
// connection to another port would be refused. Checked on the model, where every Service is known
// by its generated name (a cache layer's, a router's, a broker's, ...).
import { error, type Diagnostic } from './diagnostics.js';
import type { Model } from './model.js';

const PROXY_TEMPLATES = new Set(['proxy-tcp', 'proxy-http']);

export function upstreamPortProblems(model: Model): Diagnostic[] {
  const served = new Map<string, number[]>();
  for (const u of model.units) for (const c of u.components) if (c.service) served.set(c.service.name, c.service.ports.filter((p) => p.protocol === 'TCP').map((p) => p.port));
  const out: Diagnostic[] = [];
  for (const u of model.units) {
    for (const cfg of u.configs) {
      if (!PROXY_TEMPLATES.has(cfg.template)) continue;
      const { name, host, port } = cfg.data as { name: string; host: string; port: number };
      const ports = served.get(host);
      if (!ports || ports.includes(port)) continue;
      const what = ports.length === 0 ? 'no TCP port' : ports.length === 1 ? `port ${ports[0]} only` : `ports ${ports.join(', ')} only`;
      out.push(error('upstream-port', `proxy ambassador \`${name}\` connects to ${host}:${port}, and the Service ${host} serves ${what}`, { pointer: cfg.pointer, ...(ports.length ? { hint: `use \`upstream: ${host}:${ports[0]}\`` } : {}) }));
    }
  }
  return out;
}
