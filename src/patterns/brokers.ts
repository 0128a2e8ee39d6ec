// The brokers that work queues (book ch. 10) and event-driven pipelines (ch. 11) deploy, and the
// KEDA triggers that scale workers on a queue's length.
//
// A deployed broker is one StatefulSet + headless Service `<owner>-broker` (src/patterns/naming.ts)
// with a persistent volume, a readiness and a (different) liveness probe, and a compose
// healthcheck so that workers can `depends_on: { condition: service_healthy }`.
import { sha256 } from '../sha256.js';
import type { Component, Container, Env, EventTrigger, Port, Probe, Resources, Volume } from '../model.js';
import { claimOf } from '../model.js';
import type { Context } from './context.js';
import { IMAGES } from '../images.js';
import { BROKER_PORTS, brokerKind, brokerName, brokerUrl, type BrokerKind } from './naming.js';

/** A broker spec as the topology gives it: a kind, or an outside `{ url, kind? }`. */
export type BrokerSpec = BrokerKind | { url: string; kind?: BrokerKind } | undefined;

/** True when ddp deploys the broker (no outside `url`). */
export const deploysBroker = (broker: BrokerSpec): boolean => !(broker && typeof broker === 'object');

/** How one kind of broker runs: image, command, data directory, probes, compose healthcheck. */
interface BrokerRuntime {
  container: string;
  image: string;
  command?: string[];
  args?: string[];
  env: Record<string, string>;
  ports: Port[];
  dataPath: string;
  dataSize: string;
  /** writable paths besides /tmp and the data volume (each an emptyDir) */
  scratch: string[];
  readiness: Probe;
  liveness: Probe;
  /** compose healthcheck: only a check that answers within compose's 3 s timeout */
  healthcheck?: string[];
  resources: Resources;
}

const probe = (p: Omit<Probe, 'initialDelaySeconds' | 'periodSeconds' | 'timeoutSeconds' | 'failureThreshold'>, initialDelaySeconds: number, periodSeconds: number, timeoutSeconds: number, failureThreshold: number): Probe => ({ ...p, initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold });

/** Kafka's CLUSTER_ID: a base64url UUID, derived from the broker's identity so output stays deterministic. */
export function kafkaClusterId(namespace: string, name: string): string {
  return sha256().update(`${namespace}/${name}`).digest().subarray(0, 16).toString('base64url');
}

function runtime(kind: BrokerKind, name: string, namespace: string): BrokerRuntime {
  const port = BROKER_PORTS[kind];
  switch (kind) {
    case 'redis':
      return {
        container: 'redis',
        image: IMAGES.redis,
        command: ['redis-server'],
        // append-only file on the volume; protected mode off: clients come from other pods
        args: ['--port', String(port), '--dir', '/data', '--appendonly', 'yes', '--protected-mode', 'no'],
        env: {},
        ports: [{ name: 'redis', port, protocol: 'TCP' }],
        dataPath: '/data',
        dataSize: '1Gi',
        scratch: [],
        readiness: probe({ exec: ['redis-cli', 'ping'] }, 5, 10, 3, 3),
        liveness: probe({ tcp: { port } }, 15, 20, 5, 6),
        healthcheck: ['redis-cli', 'ping'],
        resources: { cpu: '100m', memory: '128Mi', cpuLimit: '1', memoryLimit: '512Mi' },
      };
    case 'rabbitmq':
      return {
        container: 'rabbitmq',
        image: IMAGES.rabbitmq,
        command: ['rabbitmq-server'],
        args: [],
        // the Erlang cookie lives in $HOME: keep it on the volume (the pod's user has no passwd entry)
        env: { HOME: '/var/lib/rabbitmq' },
        ports: [{ name: 'amqp', port, protocol: 'TCP' }],
        dataPath: '/var/lib/rabbitmq',
        dataSize: '1Gi',
        scratch: [],
        readiness: probe({ exec: ['rabbitmq-diagnostics', '-q', 'check_port_connectivity'] }, 10, 15, 10, 3),
        liveness: probe({ tcp: { port } }, 60, 30, 5, 6),
        healthcheck: ['rabbitmq-diagnostics', '-q', 'ping'],
        resources: { cpu: '250m', memory: '512Mi', cpuLimit: '1', memoryLimit: '1Gi' },
      };
    case 'nats':
      return {
        container: 'nats',
        image: IMAGES.nats,
        command: ['nats-server'],
        args: ['--jetstream', '--store_dir', '/data', '--port', String(port), '--http_port', String(NATS_MONITOR_PORT)],
        env: {},
        ports: [
          { name: 'client', port, protocol: 'TCP' },
          { name: 'monitor', port: NATS_MONITOR_PORT, protocol: 'TCP' },
        ],
        dataPath: '/data',
        dataSize: '1Gi',
        scratch: [],
        readiness: probe({ http: { path: '/healthz', port: NATS_MONITOR_PORT } }, 5, 10, 3, 3),
        liveness: probe({ tcp: { port } }, 15, 20, 5, 6),
        healthcheck: ['wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${NATS_MONITOR_PORT}/healthz`],
        resources: { cpu: '100m', memory: '128Mi', cpuLimit: '1', memoryLimit: '512Mi' },
      };
    case 'kafka':
      // single-node KRaft: this one process is broker and controller. The image's entrypoint
      // writes its config to /opt/kafka/config and logs to /opt/kafka/logs (emptyDirs here).
      return {
        container: 'kafka',
        image: IMAGES.kafka,
        env: {
          CLUSTER_ID: kafkaClusterId(namespace, name),
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_LISTENERS: `PLAINTEXT://:${port},CONTROLLER://:${KAFKA_CONTROLLER_PORT}`,
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${name}:${port}`,
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          KAFKA_CONTROLLER_QUORUM_VOTERS: `1@localhost:${KAFKA_CONTROLLER_PORT}`,
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
          // a subdirectory: a volume's lost+found is not a topic partition
          KAFKA_LOG_DIRS: '/var/lib/kafka/data/logs',
          KAFKA_HEAP_OPTS: '-Xms512m -Xmx512m',
          LOG_DIR: '/opt/kafka/logs',
        },
        ports: [{ name: 'kafka', port, protocol: 'TCP' }],
        dataPath: '/var/lib/kafka/data',
        dataSize: '5Gi',
        scratch: ['/opt/kafka/config', '/opt/kafka/logs'],
        readiness: probe({ tcp: { port } }, 10, 10, 3, 3),
        liveness: probe({ tcp: { port } }, 60, 20, 5, 6),
        // no compose healthcheck: kafka's own tools start a JVM and take longer than its timeout;
        // stages start with the broker and retry until it answers
        resources: { cpu: '250m', memory: '768Mi', cpuLimit: '1', memoryLimit: '1Gi' },
      };
  }
}

export const NATS_MONITOR_PORT = 8222;
export const KAFKA_CONTROLLER_PORT = 9093;

/** The broker `<owner>-broker`: a one-replica StatefulSet (stable identity and volume) + headless Service. */
export function brokerComponent(ctx: Context, owner: string, kind: BrokerKind, storage: { size?: string; storageClass?: string } = {}): Component {
  const name = brokerName(owner);
  const rt = runtime(kind, name, ctx.namespace);
  const scratch = rt.scratch.map((path) => ({ name: path.split('/').filter(Boolean).join('-'), path }));
  const container: Container = {
    name: rt.container,
    image: rt.image,
    imagePullPolicy: ctx.defaults.imagePullPolicy,
    ...(rt.command ? { command: rt.command } : {}),
    ...(rt.args && rt.args.length ? { args: rt.args } : {}),
    ports: rt.ports,
    env: envList(rt.env),
    resources: rt.resources,
    readiness: rt.readiness,
    liveness: rt.liveness,
    mounts: [{ volume: 'data', path: rt.dataPath, readOnly: false }, ...scratch.map((s) => ({ volume: s.name, path: s.path, readOnly: false }))],
    runAsUser: ctx.defaults.runAsUser,
    role: 'infra',
    ...(rt.healthcheck ? { healthcheck: rt.healthcheck } : {}),
  };
  const size = storage.size ?? rt.dataSize;
  const data: Volume = { name: 'data', persistent: { size, ...(storage.storageClass ? { storageClass: storage.storageClass } : {}) } };
  const volumes: Volume[] = [data, ...scratch.map((s) => ({ name: s.name, emptyDir: {} }))];
  return {
    name,
    role: 'broker',
    workload: 'StatefulSet',
    replicas: 1,
    pod: { containers: [container], initContainers: [], volumes },
    service: { name, headless: true, ports: rt.ports },
    statefulSet: { serviceName: name, podManagementPolicy: 'OrderedReady', claims: [claimOf(data)] },
    compose: { replicas: 1 },
  };
}

/** compose: consumers wait for the broker's healthcheck, or only for its start when it has none. */
export function brokerDependency(broker: Component): { name: string; condition: 'service_healthy' | 'service_started' } {
  return { name: broker.name, condition: broker.pod.containers[0].healthcheck ? 'service_healthy' : 'service_started' };
}

function envList(env: Record<string, string>): Env[] {
  return Object.keys(env).sort().map((name) => ({ name, value: env[name] }));
}

/** A NATS JetStream stream name for a queue or topic (no '.', '*', '>' or ':'). */
export const natsStreamName = (topic: string): string => topic.replace(/[^A-Za-z0-9_-]/g, '_');

/** What every consumer of work-queue service `owner`'s queue gets in its environment (the wire contract). */
export function queueEnv(owner: string, broker: BrokerSpec, queue: string): Record<string, string> {
  const env: Record<string, string> = { DDP_BROKER_URL: brokerUrl(owner, broker), DDP_QUEUE: queue };
  if (brokerKind(broker) === 'nats') {
    env.DDP_STREAM = natsStreamName(queue);
    env.DDP_CONSUMER = owner;
  }
  return env;
}

/** The queue a work-queue service uses: `queue`, else its own name. */
export const queueName = (owner: string, queue: string | undefined): string => queue ?? owner;

/** host, port, database and TLS of a broker URL (`redis://[user:pass@]host[:port][/db]`, ...). */
export function parseBrokerUrl(url: string, kind: BrokerKind): { host: string; port: number; path: string; tls: boolean; password: boolean } {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : BROKER_PORTS[kind],
    path: u.pathname.replace(/^\//, ''),
    tls: /s$/.test(u.protocol.replace(/:$/, '')),
    password: u.password !== '',
  };
}

/** The cluster DNS name of a deployed broker, as KEDA's operator (in its own namespace) must use it. */
export const brokerClusterHost = (owner: string, namespace: string): string => `${brokerName(owner)}.${namespace}.svc.cluster.local`;

/**
 * The KEDA trigger that scales consumers of `owner`'s queue: one replica (or Job) per `perItem`
 * waiting items. Deployed brokers are named by their cluster DNS name (KEDA's operator runs in its
 * own namespace); an outside broker by its URL.
 */
export function queueTrigger(owner: string, broker: BrokerSpec, queue: string, namespace: string, perItem: number): EventTrigger {
  const kind = brokerKind(broker);
  const outside = !deploysBroker(broker) ? parseBrokerUrl((broker as { url: string }).url, kind) : undefined;
  const host = outside ? outside.host : brokerClusterHost(owner, namespace);
  const port = outside ? outside.port : BROKER_PORTS[kind];
  switch (kind) {
    case 'redis': {
      const db = outside && /^\d+$/.test(outside.path) ? outside.path : undefined;
      return {
        type: 'redis',
        metadata: {
          address: `${host}:${port}`,
          listName: queue,
          listLength: String(perItem),
          ...(db ? { databaseIndex: db } : {}),
          ...(outside?.tls ? { enableTLS: 'true' } : {}),
        },
      };
    }
    case 'rabbitmq':
      return {
        type: 'rabbitmq',
        metadata: {
          protocol: 'amqp',
          queueName: queue,
          mode: 'QueueLength',
          value: String(perItem),
          // an outside URL may carry credentials: KEDA reads it from the worker's environment
          ...(outside ? { hostFromEnv: 'DDP_BROKER_URL' } : { host: `amqp://${host}:${port}` }),
        },
      };
    case 'nats':
      return {
        type: 'nats-jetstream',
        metadata: {
          natsServerMonitoringEndpoint: `${host}:${NATS_MONITOR_PORT}`,
          account: '$G',
          stream: natsStreamName(queue),
          consumer: owner,
          lagThreshold: String(perItem),
        },
      };
    case 'kafka':
      throw new Error('kafka is a pipeline broker: work queues scale on redis, rabbitmq or nats');
  }
}
