// `expose`: an Ingress on the outermost layer of a service.
import type { Expose } from '../generated/topology.js';

export interface Ingress {
  name: string;
  host: string;
  path: string;
  service: string;
  port: number;
  className?: string;
  tlsSecret?: string;
  annotations: Record<string, string>;
}

export function ingressFor(name: string, expose: Expose, front: { name: string; port: number }, backendProtocol: 'HTTP' | 'HTTPS' = 'HTTP'): Ingress {
  return {
    name,
    host: expose.host,
    path: expose.path ?? '/',
    service: front.name,
    port: front.port,
    ...(expose.className ? { className: expose.className } : {}),
    ...(expose.tlsSecret ? { tlsSecret: expose.tlsSecret } : {}),
    annotations: backendProtocol === 'HTTPS' ? { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' } : {},
  };
}
