// Pattern: event-driven batch pipeline (book ch. 11).
// sources → stages (copier, filter, splitter, sharder, merger) wired by topics on one broker per
// pipeline (`<pipeline>-broker`: redis, nats or a single-node KRaft kafka, or an outside URL).
// Each stage is a Deployment `<pipeline>-<stage>` whose environment names its topics
// (README: "Worker wire contract"). The graph was checked by src/topology/semantic.ts.
import type { Pipeline, Stage } from '../generated/topology.js';
import type { Component, Unit } from '../model.js';
import type { Context } from './context.js';
import { containerFrom, emptyPod } from './containers.js';
import { brokerKind, brokerUrl } from './naming.js';
import { brokerComponent, brokerDependency, deploysBroker } from './brokers.js';
import { stageTopics } from '../topology/semantic.js';

export const DEFAULT_STAGE_REPLICAS = 1;

/** The Deployment name of a stage. */
export const stageName = (pipeline: string, stage: string): string => `${pipeline}-${stage}`;

export function expand(name: string, p: Pipeline, ctx: Context, pointer: string): Unit {
  const unit: Unit = { name, pattern: 'pipeline', pointer, components: [], configs: [], extra: {} };
  const url = brokerUrl(name, p.broker);
  const broker = deploysBroker(p.broker) ? brokerComponent(ctx, name, brokerKind(p.broker)) : undefined;
  if (broker) unit.components.push(broker);
  for (const stage of Object.keys(p.stages).sort()) {
    const c = stageComponent(name, stage, p.stages[stage], ctx, url, `${pointer}/stages/${stage}`);
    if (broker) c.compose.dependsOn = [brokerDependency(broker)];
    unit.components.push(c);
  }
  return unit;
}

/** The environment of a stage: its topics, its consumer group and its broker. */
export function stageEnv(stage: string, s: Stage, url: string): Record<string, string> {
  const { inputs, outputs } = stageTopics(stage, s);
  return {
    DDP_BROKER_URL: url,
    DDP_CONSUMER_GROUP: stage,
    DDP_INPUT_TOPICS: inputs.join(','),
    DDP_OUTPUT_TOPICS: outputs.join(','),
    DDP_STAGE_KIND: s.kind,
  };
}

/** Stage `stage`, written at `pointer`. */
function stageComponent(pipeline: string, stage: string, s: Stage, ctx: Context, url: string, pointer: string): Component {
  const name = stageName(pipeline, stage);
  const pod = emptyPod();
  pod.containers.push(containerFrom(ctx, s, { name: stage, env: stageEnv(stage, s, url), pointer, origin: { addedBy: "the stage's container" } }));
  return {
    name,
    role: 'pipeline-stage',
    workload: 'Deployment',
    replicas: s.replicas ?? DEFAULT_STAGE_REPLICAS,
    pod,
    compose: {},
  };
}
