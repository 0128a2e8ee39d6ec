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

/**
 * Whether the Ingress class is (probably) one of the two NGINX controllers: none (the cluster's
 * default class), or a name with `nginx` in it. ingress-nginx (kubernetes/ingress-nginx) and F5's
 * NGINX Ingress Controller (nginx.org) both name their class `nginx` by default.
 */
export const isNginxClass = (className: string | undefined): boolean => className === undefined || className.includes('nginx');

/** What tells each NGINX controller that `service` speaks HTTPS (each ignores the other's):
 *  ingress-nginx reads backend-protocol, F5's NGINX Ingress Controller the list of ssl-services. */
export const nginxBackendHttps = (service: string): Record<string, string> => ({
  'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
  'nginx.org/ssl-services': service,
});

/** Annotations with which a controller sends HTTPS to the backend: one of them in
 *  `expose.annotations` says you told your controller (the `ingress-backend-https` warning goes). */
export const BACKEND_HTTPS_ANNOTATIONS = [
  'nginx.ingress.kubernetes.io/backend-protocol', // ingress-nginx
  'nginx.org/ssl-services', // F5 NGINX Ingress Controller
  'alb.ingress.kubernetes.io/backend-protocol', // AWS Load Balancer Controller (Ingress or Service)
  'haproxy.org/server-ssl', // HAProxy Kubernetes Ingress Controller (Ingress or Service)
];

/** The same, read from the backend's Service (`tls.serviceAnnotations`): the two above that a
 *  controller takes there too, and the ServersTransport with which Traefik trusts the backend. */
export const BACKEND_HTTPS_SERVICE_ANNOTATIONS = [
  'alb.ingress.kubernetes.io/backend-protocol',
  'haproxy.org/server-ssl',
  'traefik.ingress.kubernetes.io/service.serverstransport',
];

/** The Ingress of `expose` in front of `front`; an HTTPS backend (a TLS layer) gets the NGINX
 *  controllers' annotations when the class is theirs. Your `expose.annotations` win. */
export function ingressFor(name: string, expose: Expose, front: { name: string; port: number }, backendProtocol: 'HTTP' | 'HTTPS' = 'HTTP'): Ingress {
  return {
    name,
    host: expose.host,
    path: expose.path ?? '/',
    service: front.name,
    port: front.port,
    ...(expose.className ? { className: expose.className } : {}),
    ...(expose.tlsSecret ? { tlsSecret: expose.tlsSecret } : {}),
    annotations: { ...(backendProtocol === 'HTTPS' && isNginxClass(expose.className) ? nginxBackendHttps(front.name) : {}), ...(expose.annotations ?? {}) },
  };
}
