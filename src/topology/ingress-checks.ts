// An Ingress in front of a TLS layer (`tls:` and `expose:` on a replicated service): the
// controller must speak HTTPS to it, and clients should reach the Ingress over HTTPS too.
import { warning, type Diagnostic } from '../diagnostics.js';
import type { Replicated } from '../generated/topology.js';
import { BACKEND_HTTPS_ANNOTATIONS, BACKEND_HTTPS_SERVICE_ANNOTATIONS, isNginxClass } from '../patterns/expose.js';
import { TLS_PORT } from '../patterns/naming.js';

type Check = Omit<Diagnostic, 'file' | 'line' | 'col'>;

export function tlsIngressChecks(name: string, svc: Replicated, base: string): Check[] {
  const expose = svc.expose;
  if (!svc.tls || !expose) return [];
  const out: Check[] = [];
  const layer = `${name}-tls`;
  const port = svc.tls.port ?? TLS_PORT;
  const cls = expose.className;
  const told =
    Object.keys(expose.annotations ?? {}).some((k) => BACKEND_HTTPS_ANNOTATIONS.includes(k)) ||
    Object.keys(svc.tls.serviceAnnotations ?? {}).some((k) => BACKEND_HTTPS_SERVICE_ANNOTATIONS.includes(k));
  if (cls !== undefined && !isNginxClass(cls) && !told) {
    const traefik = cls.includes('traefik');
    out.push(
      warning(
        'ingress-backend-https',
        traefik
          ? `the Ingress (class \`${cls}\`) sends its requests to ${layer}, which speaks only HTTPS on port ${port}: Traefik does use HTTPS there (the Service port is named \`https\`), but it checks ${layer}'s certificate, which names your host, not the pod address it connects to, and answers with an error`
          : `the Ingress (class \`${cls}\`) sends its requests to ${layer}, which speaks only HTTPS on port ${port}; ddp tells the NGINX controllers so, not \`${cls}\`, which may send plain HTTP and get an error for every request`,
        {
          pointer: `${base}/expose/className`,
          hint: traefik
            ? `create a Traefik ServersTransport that trusts your certificate (rootCAs and serverName, or insecureSkipVerify) and name it in \`tls.serviceAnnotations\`: \`traefik.ingress.kubernetes.io/service.serverstransport: <namespace>-<name>@kubernetescrd\``
            : `add your controller's setting to \`expose.annotations\`, e.g. AWS Load Balancer Controller: \`alb.ingress.kubernetes.io/backend-protocol: HTTPS\`; HAProxy: \`haproxy.org/server-ssl: "true"\`; ingress-nginx under another class name: \`nginx.ingress.kubernetes.io/backend-protocol: HTTPS\``,
        },
      ),
    );
  }
  if (expose.tlsSecret === undefined) {
    out.push(
      warning('ingress-plain-http', `\`tls:\` encrypts only the hop from the Ingress to ${layer}: the Ingress has no \`tlsSecret\`, so clients reach ${expose.host} over plain HTTP (or over HTTPS with the controller's default certificate, not yours)`, {
        pointer: `${base}/expose`,
        hint: `add \`tlsSecret: <a TLS Secret for ${expose.host}>\` to \`expose\` (it may be ${svc.tls.secret}, the TLS layer's)`,
      }),
    );
  }
  return out;
}
