// Per-container rules (kube-score / kube-linter / Polaris): resources, image tags and the
// security context. Each applies to Kubernetes containers and to compose services alike.
import { getPath } from '../kubernetes-schema.js';
import { containersOf, pods, type ContainerRef } from '../pods.js';
import { composeBoolean, isObj, type ComposeService, type LintContext, type Rule, type RuleHit } from '../types.js';
import { imageProblem } from '../../topology/image-ref.js';

const everyContainer = (ctx: LintContext): ContainerRef[] => pods(ctx.objects).flatMap((p) => containersOf(p));

function hits(ctx: LintContext, k8s: (c: ContainerRef) => Omit<RuleHit, 'target'> | undefined, compose: (s: ComposeService) => Omit<RuleHit, 'target'> | undefined): RuleHit[] {
  const out: RuleHit[] = [];
  for (const c of everyContainer(ctx)) {
    const h = k8s(c);
    if (h) out.push({ target: c.pod.object, ...h });
  }
  for (const s of ctx.services) {
    const h = compose(s);
    if (h) out.push({ target: s, ...h });
  }
  return out;
}

const sc = (c: ContainerRef): Record<string, unknown> => (isObj(c.container.securityContext) ? c.container.securityContext : {});
const podSc = (c: ContainerRef): Record<string, unknown> => (isObj(c.pod.spec.securityContext) ? c.pod.spec.securityContext : {});
const scPath = (c: ContainerRef, key?: string) => (key && sc(c)[key] !== undefined ? [...c.path, 'securityContext', key] : isObj(c.container.securityContext) ? [...c.path, 'securityContext'] : c.path);
const what = (c: ContainerRef) => `${c.init ? 'init container' : 'container'} \`${c.name}\``;

export const containerResources: Rule = {
  id: 'container-resources',
  severity: 'warning',
  description: 'every container sets CPU and memory requests and limits',
  applies: ['kubernetes', 'compose'],
  check: (ctx) =>
    hits(
      ctx,
      (c) => {
        const r = isObj(c.container.resources) ? c.container.resources : {};
        const missing = [
          ['requests', 'cpu', 'CPU request'],
          ['requests', 'memory', 'memory request'],
          ['limits', 'cpu', 'CPU limit'],
          ['limits', 'memory', 'memory limit'],
        ].filter(([group, key]) => getPath(r, [group, key]) === undefined).map(([, , label]) => label);
        if (!missing.length) return undefined;
        return {
          path: isObj(c.container.resources) ? [...c.path, 'resources'] : c.path,
          message: `${what(c)} has no ${joinAnd(missing)}`,
          hint: 'set resources.requests.{cpu,memory} (what it needs to be scheduled) and resources.limits.{cpu,memory} (its ceiling)',
        };
      },
      (s) => {
        if (typeof s.data.image !== 'string') return undefined;
        const limits = getPath(s.data, ['deploy', 'resources', 'limits']);
        const cpus = (isObj(limits) && limits.cpus !== undefined) || s.data.cpus !== undefined;
        const memory = (isObj(limits) && limits.memory !== undefined) || s.data.mem_limit !== undefined;
        const missing = [...(cpus ? [] : ['CPU limit']), ...(memory ? [] : ['memory limit'])];
        if (!missing.length) return undefined;
        return {
          path: s.data.deploy !== undefined ? ['deploy'] : [],
          message: `has no ${joinAnd(missing)}`,
          hint: 'set deploy.resources.limits.{cpus,memory} (and reservations for what it needs)',
        };
      },
    ),
};

/** The tag of an image reference, '' for none, undefined when pinned by digest. */
export function imageTag(image: string): string | undefined {
  if (image.includes('@')) return undefined;
  const last = image.slice(image.lastIndexOf('/') + 1);
  const i = last.lastIndexOf(':');
  return i < 0 ? '' : last.slice(i + 1);
}

function tagProblem(image: unknown): string | undefined {
  if (typeof image !== 'string') return undefined;
  const tag = imageTag(image);
  if (tag === '') return `image \`${image}\` has no tag (it means \`latest\`)`;
  if (tag === 'latest') return `image \`${image}\` uses the \`latest\` tag`;
  return undefined;
}

export const imageTagRule: Rule = {
  id: 'image-tag',
  severity: 'warning',
  description: 'images are pinned to a version tag or digest, never `latest` or untagged',
  applies: ['kubernetes', 'compose'],
  check: (ctx) => {
    const hint = 'pin a version (name:1.4.2) or a digest (name@sha256:...) so every node runs the same image';
    return hits(
      ctx,
      (c) => {
        const p = tagProblem(c.container.image);
        return p ? { path: [...c.path, 'image'], message: `${what(c)}: ${p}`, hint } : undefined;
      },
      (s) => {
        const p = tagProblem(s.data.image);
        return p ? { path: ['image'], message: p, hint } : undefined;
      },
    );
  },
};

export const imageRefRule: Rule = {
  id: 'image-ref',
  severity: 'error',
  description: 'image references can be pulled: a lower-case repository, a valid tag or digest (else InvalidImageName on every pod)',
  applies: ['kubernetes', 'compose'],
  check: (ctx) => {
    const hint = 'e.g. ghcr.io/acme/api:1.4.2 or name@sha256:... (the registry host may have capitals, the repository may not)';
    return hits(
      ctx,
      (c) => {
        const p = refProblem(c.container.image);
        return p ? { path: [...c.path, 'image'], message: `${what(c)}: ${p}`, hint } : undefined;
      },
      // a compose image with ${VARIABLES} is known only once compose interpolates it
      (s) => {
        const p = typeof s.data.image === 'string' && s.data.image.includes('$') ? undefined : refProblem(s.data.image);
        return p ? { path: ['image'], message: p, hint } : undefined;
      },
    );
  },
};

function refProblem(image: unknown): string | undefined {
  const why = typeof image === 'string' ? imageProblem(image) : undefined;
  return why ? `image \`${image}\` cannot be pulled: ${why}` : undefined;
}

export const runAsNonRoot: Rule = {
  id: 'run-as-non-root',
  severity: 'warning',
  description: 'containers run as a non-root user (runAsNonRoot, or a runAsUser above 0; compose: `user`)',
  applies: ['kubernetes', 'compose'],
  check: (ctx) =>
    hits(
      ctx,
      (c) => {
        const user = sc(c).runAsUser ?? podSc(c).runAsUser;
        const nonRoot = sc(c).runAsNonRoot ?? podSc(c).runAsNonRoot;
        if (user === 0) return { path: scPath(c, 'runAsUser'), message: `${what(c)} runs as root (runAsUser: 0)`, hint: 'set runAsUser to a non-zero UID (10000 or above avoids host users)' };
        if (nonRoot === true || (typeof user === 'number' && user > 0)) return undefined;
        return {
          path: scPath(c, 'runAsNonRoot'),
          message: nonRoot === false ? `${what(c)} allows running as root (runAsNonRoot: false)` : `${what(c)} may run as root: neither runAsNonRoot nor a non-zero runAsUser is set`,
          hint: 'set securityContext.runAsNonRoot: true and runAsUser: 10001 (on the container or the pod)',
        };
      },
      (s) => {
        if (typeof s.data.image !== 'string') return undefined;
        const user = s.data.user === undefined ? undefined : String(s.data.user);
        if (user !== undefined && !/^(0|root)(:.*)?$/.test(user)) return undefined;
        return {
          path: user === undefined ? [] : ['user'],
          message: user === undefined ? 'sets no `user`, so it runs as the image\'s user (often root)' : `runs as root (user: ${user})`,
          hint: 'set `user: "10001:10001"` (a non-root UID:GID)',
        };
      },
    ),
};

export const readOnlyRootFs: Rule = {
  id: 'read-only-root-fs',
  severity: 'warning',
  description: 'containers have a read-only root filesystem (writable paths as volumes)',
  applies: ['kubernetes', 'compose'],
  check: (ctx) =>
    hits(
      ctx,
      (c) =>
        sc(c).readOnlyRootFilesystem === true
          ? undefined
          : { path: scPath(c, 'readOnlyRootFilesystem'), message: `${what(c)} has a writable root filesystem`, hint: 'set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where it must write (e.g. /tmp)' },
      (s) =>
        typeof s.data.image !== 'string' || composeBoolean(s.data.read_only) === true
          ? undefined
          : { path: s.data.read_only !== undefined ? ['read_only'] : [], message: 'has a writable root filesystem', hint: 'set `read_only: true` and a tmpfs where it must write (e.g. /tmp)' },
    ),
};

export const privileged: Rule = {
  id: 'privileged',
  severity: 'error',
  description: 'no container runs privileged',
  applies: ['kubernetes', 'compose'],
  check: (ctx) =>
    hits(
      ctx,
      (c) => (sc(c).privileged === true ? { path: [...c.path, 'securityContext', 'privileged'], message: `${what(c)} runs privileged (it has every capability of the host)`, hint: 'remove privileged: true; add only the capabilities it needs' } : undefined),
      (s) => (composeBoolean(s.data.privileged) === true ? { path: ['privileged'], message: 'runs privileged (it has every capability of the host)', hint: 'remove `privileged: true`; add only the capabilities it needs with cap_add' } : undefined),
    ),
};

export const privilegeEscalation: Rule = {
  id: 'privilege-escalation',
  severity: 'warning',
  description: 'containers forbid privilege escalation (allowPrivilegeEscalation: false; compose: no-new-privileges)',
  applies: ['kubernetes', 'compose'],
  check: (ctx) =>
    hits(
      ctx,
      (c) =>
        sc(c).allowPrivilegeEscalation === false
          ? undefined
          : { path: scPath(c, 'allowPrivilegeEscalation'), message: `${what(c)} allows privilege escalation (setuid binaries can gain root)`, hint: 'set securityContext.allowPrivilegeEscalation: false' },
      (s) => {
        if (typeof s.data.image !== 'string') return undefined;
        const opts = Array.isArray(s.data.security_opt) ? s.data.security_opt.map(String) : [];
        if (opts.some((o) => /^no-new-privileges(:true|=true)?$/.test(o))) return undefined;
        return { path: s.data.security_opt !== undefined ? ['security_opt'] : [], message: 'allows privilege escalation (no `no-new-privileges`)', hint: 'add `security_opt: ["no-new-privileges:true"]`' };
      },
    ),
};

export const dropCapabilities: Rule = {
  id: 'drop-capabilities',
  severity: 'warning',
  description: 'containers drop ALL capabilities (and add back only what they need)',
  applies: ['kubernetes', 'compose'],
  check: (ctx) =>
    hits(
      ctx,
      (c) => {
        const drop = getPath(sc(c), ['capabilities', 'drop']);
        if (Array.isArray(drop) && drop.map(String).some((d) => d.toUpperCase() === 'ALL')) return undefined;
        return { path: isObj(getPath(sc(c), ['capabilities'])) ? [...c.path, 'securityContext', 'capabilities'] : scPath(c), message: `${what(c)} does not drop all capabilities`, hint: 'set securityContext.capabilities.drop: ["ALL"] (add back single ones with `add` if it must)' };
      },
      (s) => {
        if (typeof s.data.image !== 'string') return undefined;
        const drop = Array.isArray(s.data.cap_drop) ? s.data.cap_drop.map(String) : [];
        if (drop.some((d) => d.toUpperCase() === 'ALL')) return undefined;
        return { path: s.data.cap_drop !== undefined ? ['cap_drop'] : [], message: 'does not drop all capabilities', hint: 'add `cap_drop: ["ALL"]` (and cap_add for single ones it needs)' };
      },
    ),
};

function joinAnd(xs: string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

export const rules: Rule[] = [containerResources, imageTagRule, imageRefRule, runAsNonRoot, readOnlyRootFs, privileged, privilegeEscalation, dropCapabilities];
