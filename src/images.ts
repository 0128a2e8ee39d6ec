// Infrastructure images ddp runs, pinned to a version (never `latest`). One place to bump them.
export const IMAGES = {
  nginx: 'nginxinc/nginx-unprivileged:1.27.3-alpine',
  varnish: 'varnish:7.6.1',
  twemproxy: 'malexer/twemproxy:0.5.0',
  fluentBit: 'fluent/fluent-bit:3.1.9',
  redis: 'redis:7.4.1-alpine',
  rabbitmq: 'rabbitmq:3.13.7-alpine',
  nats: 'nats:2.10.22-alpine',
  kafka: 'apache/kafka:3.8.1',
  busybox: 'busybox:1.36.1',
  kubectl: 'registry.k8s.io/kubectl:v1.31.2',
  // client-go LeaseLock elector (github.com/kkosmrli/leader-elector): GET / on ELECTION_PORT → {"name": leader}
  leaderElector: 'kkosmrli/leader-elector:v0.3.0',
} as const;

/** Where config files are mounted inside containers (both Kubernetes and compose). */
export const CONFIG_DIR = '/etc/ddp';
