// What the API server refuses beyond the OpenAPI schema (k8s-schema): port numbers out of
// 1-65535, Ingress paths validateHTTPIngressPath refuses; and `__proto__`, an unknown field like
// any other, that never becomes a prototype.
import { describe, expect, it } from 'vitest';
import { lintInputs, type LintResult } from '../../src/lint/lint.js';
import { RULES_BY_ID } from '../../src/lint/rules/index.js';

const lint = (text: string): LintResult => lintInputs([{ file: 'x.yaml', text, explicit: true }]);
const schema = (r: LintResult) => r.findings.filter((f) => f.rule === 'k8s-schema').map((f) => `${f.line}:${f.col} ${f.message}`);
const hintAt = (r: LintResult, line: number, col: number) => r.findings.find((f) => f.rule === 'k8s-schema' && f.line === line && f.col === col)?.hint;

describe('port numbers: 1-65535, as the API server checks them', () => {
  const service = [
    'apiVersion: v1',
    'kind: Service',
    'metadata: { name: web }',
    'spec:',
    '  type: NodePort',
    '  selector: { app: web }',
    '  ports:',
    '    - { name: a, port: 70000, targetPort: 0 }',
    '    - { name: b, port: 80, targetPort: 70000, nodePort: 70000 }',
    '    - { name: c, port: 81, targetPort: "8080" }',
    '    - { name: d, port: 82, targetPort: HTTP }',
    '    - { name: e, port: 83, targetPort: -1, nodePort: 0 }',
    '    - { name: f, port: 0 }',
    '',
  ].join('\n');
  const pod = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: { name: web, labels: { app: web } }',
    'spec:',
    '  initContainers:',
    '    - { name: init, image: "nginx:1.27", ports: [{ containerPort: 65536 }] }',
    '  containers:',
    '    - name: web',
    '      image: nginx:1.27',
    '      ports:',
    '        - { containerPort: 70000 }',
    '        - { containerPort: 0 }',
    '        - { containerPort: -0 }',
    '        - { containerPort: 8080, hostPort: 70000 }',
    '        - { containerPort: 8081, hostPort: 0 }',
    '        - { containerPort: 2147483648 }',
    '',
  ].join('\n');
  const deployment = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: api }',
    'spec:',
    '  selector: { matchLabels: { app: api } }',
    '  template:',
    '    metadata: { labels: { app: api } }',
    '    spec: { containers: [{ name: api, image: "nginx:1.27", ports: [{ containerPort: 99999 }] }] }',
    '',
  ].join('\n');

  it('a Service port, targetPort and nodePort, a containerPort (0 and -0 too) and hostPort out of range are errors; targetPort 0 is `port`, nodePort and hostPort 0 are none', () => {
    const r = lint([service, pod, deployment].join('---\n'));
    expect(schema(r)).toEqual([
      '8:18 Service/web: spec.ports[0].port: 70000 is not a valid port number (1-65535)',
      '9:28 Service/web: spec.ports[1].targetPort: 70000 is not a valid port number (1-65535)',
      '9:47 Service/web: spec.ports[1].nodePort: 70000 is not a valid port number (1-65535)',
      '10:28 Service/web: spec.ports[2].targetPort: "8080" is a string, so the API server takes it for a port name, and a port name has a letter',
      '11:28 Service/web: spec.ports[3].targetPort: "HTTP" is neither a port number nor a port name (IANA_SVC_NAME: at most 15 lower-case alphanumerics and "-", a letter, no "--")',
      '12:28 Service/web: spec.ports[4].targetPort: -1 is not a valid port number (1-65535)',
      '13:18 Service/web: spec.ports[5].port: 0 is not a valid port number (1-65535)',
      '20:52 Pod/web: spec.initContainers[0].ports[0].containerPort: 65536 is not a valid port number (1-65535)',
      '25:13 Pod/web: spec.containers[0].ports[0].containerPort: 70000 is not a valid port number (1-65535)',
      '26:13 Pod/web: spec.containers[0].ports[1].containerPort: 0 is not a valid port number (1-65535)',
      '27:13 Pod/web: spec.containers[0].ports[2].containerPort: 0 is not a valid port number (1-65535)',
      '28:34 Pod/web: spec.containers[0].ports[3].hostPort: 70000 is not a valid port number (1-65535)',
      // beyond int32 the schema says so, once
      '30:13 Pod/web: spec.containers[0].ports[5].containerPort: must match format "int32"',
      '39:70 Deployment/api: spec.template.spec.containers[0].ports[0].containerPort: 99999 is not a valid port number (1-65535)',
    ]);
    expect(hintAt(r, 8, 18)).toBe('set `port` to the port the Service listens on, from 1 to 65535');
    expect(hintAt(r, 9, 28)).toBe("set `targetPort` to the container's port, from 1 to 65535, or to the name of a container port (left out, it is `port`)");
    expect(hintAt(r, 9, 47)).toBe("set `nodePort` to one of the cluster's node ports (30000-32767 unless the cluster says otherwise), or leave it out and Kubernetes picks a free one");
    expect(hintAt(r, 10, 28)).toBe('write the number without quotes: targetPort: 8080');
    expect(hintAt(r, 11, 28)).toBe('use the container port number, or the `name` of one of its ports');
    expect(hintAt(r, 26, 13)).toBe('set `containerPort` to the port the container listens on, from 1 to 65535');
    expect(hintAt(r, 28, 34)).toBe('set `hostPort` from 1 to 65535, or leave it out (a Service reaches the pod without one)');
  });

  it('1 and 65535 are ports; targetPort 0 or "" (defaulted to `port`), a named targetPort, hostPort 0 and nodePort 0 are fine', () => {
    const ok = [
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: web }',
      'spec:',
      '  type: NodePort',
      '  selector: { app: web }',
      '  ports: [{ name: a, port: 1, targetPort: 0 }, { name: b, port: 65535, targetPort: "" }, { name: c, port: 2, targetPort: http, nodePort: 30080 }, { name: d, port: 3, targetPort: 65535, nodePort: 0 }]',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata: { name: web, labels: { app: web } }',
      'spec:',
      '  containers: [{ name: web, image: "nginx:1.27", ports: [{ name: http, containerPort: 1, hostPort: 0 }, { containerPort: 65535, hostPort: 65535 }] }]',
      '',
    ].join('\n');
    expect(schema(lint(ok))).toEqual([]);
  });

  it("an Ingress backend's port number (0 is none: the port is named)", () => {
    const text = [
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata: { name: web }',
      'spec:',
      '  defaultBackend: { service: { name: web, port: { number: 70000 } } }',
      '  rules:',
      '    - http:',
      '        paths:',
      '          - { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 0, name: http } } } }',
      '          - { path: /a, pathType: Prefix, backend: { service: { name: web, port: { number: 65536 } } } }',
      '',
    ].join('\n');
    const r = lint(text);
    expect(schema(r)).toEqual([
      '5:51 Ingress/web: spec.defaultBackend.service.port.number: 70000 is not a valid port number (1-65535)',
      '10:84 Ingress/web: spec.rules[0].http.paths[1].backend.service.port.number: 65536 is not a valid port number (1-65535)',
    ]);
    expect(hintAt(r, 5, 51)).toBe("set the backend's `service.port.number` to one of the Service's ports (1-65535), or use `service.port.name`");
  });
});

describe('Ingress paths, as validateHTTPIngressPath checks them', () => {
  const ingress = (paths: string[]) =>
    [
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata: { name: web }',
      'spec:',
      '  rules:',
      '    - http:',
      '        paths:',
      ...paths.map((p) => `          - { ${p}backend: { service: { name: web, port: { number: 80 } } } }`),
      '',
    ].join('\n');

  it('Exact and Prefix: absolute, no //, /./, /../, %2f or %2F, not ending in /. or /..; ImplementationSpecific: absolute when set', () => {
    const r = lint(
      ingress([
        'path: api, pathType: Prefix, ',
        'path: /a//b, pathType: Exact, ',
        'path: /a/./b/../c%2fd%2F, pathType: Prefix, ',
        'path: /a/.., pathType: Prefix, ',
        'path: /a/., pathType: Exact, ',
        'pathType: Prefix, ',
        'path: "", pathType: Exact, ',
        'path: foo, pathType: ImplementationSpecific, ',
      ]),
    );
    expect(schema(r)).toEqual([
      '8:15 Ingress/web: spec.rules[0].http.paths[0].path: "api" is not an absolute path (it must start with "/"): the API server refuses it with pathType Prefix',
      '9:15 Ingress/web: spec.rules[0].http.paths[1].path: "/a//b" must not contain \'//\': the API server refuses it with pathType Exact',
      "10:15 Ingress/web: spec.rules[0].http.paths[2].path: \"/a/./b/../c%2fd%2F\" must not contain '/./', '/../', '%2f' or '%2F': the API server refuses it with pathType Prefix",
      "11:15 Ingress/web: spec.rules[0].http.paths[3].path: \"/a/..\" cannot end with '/..': the API server refuses it with pathType Prefix",
      "12:15 Ingress/web: spec.rules[0].http.paths[4].path: \"/a/.\" cannot end with '/.': the API server refuses it with pathType Exact",
      '13:13 Ingress/web: spec.rules[0].http.paths[5]: no path: pathType Prefix needs an absolute path',
      '14:15 Ingress/web: spec.rules[0].http.paths[6].path: "" is not an absolute path (it must start with "/"): the API server refuses it with pathType Exact',
      '15:15 Ingress/web: spec.rules[0].http.paths[7].path: "foo" is not an absolute path',
    ]);
    const tail = 'absolute, no empty, "." or ".." segments, no "/" encoded as %2F; pathType ImplementationSpecific passes a path as written to the controller';
    expect(hintAt(r, 8, 15)).toBe(`write the path normalized ("/api"): ${tail}`);
    expect(hintAt(r, 9, 15)).toBe(`write the path normalized ("/a/b"): ${tail}`);
    expect(hintAt(r, 10, 15)).toBe(`write the path normalized: ${tail}`);
    expect(hintAt(r, 11, 15)).toBe(`write the path normalized ("/"): ${tail}`);
    expect(hintAt(r, 13, 13)).toBe('add `path: /` (everything) or the path to route');
    expect(hintAt(r, 15, 15)).toBe('start the path with "/": "/foo"');
  });

  it('what the API server accepts: dots inside segments, an encoded dot, "/" itself; ImplementationSpecific as written or empty', () => {
    const r = lint(
      ingress([
        'path: /, pathType: Prefix, ',
        'path: /a/.b/..c/%2e/x., pathType: Prefix, ',
        'path: /a/, pathType: Exact, ',
        'path: /a//b/.., pathType: ImplementationSpecific, ',
        'pathType: ImplementationSpecific, ',
      ]),
    );
    expect(schema(r)).toEqual([]);
  });
});

describe('__proto__ is a field like any other', () => {
  it('an unknown field in metadata, a spec, a container or its securityContext; its value is never read as fields', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: x, __proto__: { namespace: evil } }',
      'data: { a: b }',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata: { name: p }',
      'spec:',
      '  __proto__: { hostNetwork: true, containers: [{ name: x, image: "nginx:1.27" }] }',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata: { name: q }',
      'spec:',
      '  containers:',
      '    - name: x',
      '      image: nginx:1.27',
      '      __proto__: bogus',
      '      securityContext: { __proto__: { privileged: true } }',
      '',
    ].join('\n');
    const r = lint(text);
    expect(schema(r)).toEqual([
      '3:22 ConfigMap/x: metadata.__proto__: unknown field',
      // the containers inside __proto__ are not the pod's: it has none
      '9:1 Pod/p: spec: missing required field "containers"',
      '10:3 Pod/p: spec.__proto__: unknown field',
      '19:7 Pod/q: spec.containers[0].__proto__: unknown field',
      '20:26 Pod/q: spec.containers[0].securityContext.__proto__: unknown field',
    ]);
    expect(hintAt(r, 3, 22)).toBe('remove the field: the Kubernetes API rejects (or, with a lenient client, silently drops) it');
    // the ConfigMap is in no namespace, the container not privileged
    expect(r.findings.find((f) => f.message.startsWith('ConfigMap/x'))?.object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' });
    expect(r.findings.filter((f) => f.rule === 'privileged')).toEqual([]);
    // and nothing leaked into Object.prototype
    expect(({} as Record<string, unknown>).namespace).toBeUndefined();
    expect(({} as Record<string, unknown>).privileged).toBeUndefined();
    expect(({} as Record<string, unknown>).hostNetwork).toBeUndefined();
  });

  it('a __proto__ label is a label (an invalid key), so a Service selecting it finds the pod', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: { name: p, labels: { __proto__: x } }',
      'spec: { containers: [{ name: x, image: "nginx:1.27" }] }',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: s }',
      'spec: { selector: { __proto__: x }, ports: [{ port: 80 }] }',
      '',
    ].join('\n');
    const r = lint(text);
    expect(r.findings.filter((f) => f.rule === 'k8s-schema' || f.rule === 'service-targets').map((f) => `${f.rule} ${f.line}:${f.col} ${f.message}`)).toEqual([
      'k8s-schema 3:32 Pod/p: metadata.labels.__proto__: label key "__proto__" is not a valid qualified name',
      'k8s-schema 9:21 Service/s: spec.selector.__proto__: label key "__proto__" is not a valid qualified name',
    ]);
  });
});

describe('--list-rules', () => {
  it('says what k8s-schema, compose-schema and yaml-syntax now check', () => {
    expect(RULES_BY_ID.get('k8s-schema')?.description).toBe('Kubernetes objects match the API schema: types, required and unknown fields, names, labels; and what the API server checks beyond it: port numbers 1-65535, Ingress paths, one name per container and per volume, mounts of the pod volumes at distinct paths, requests within limits, the restartPolicy of Jobs');
    expect(RULES_BY_ID.get('compose-schema')?.description).toBe('compose files match the Compose Specification schema, every unknown key included, and booleans are what docker compose can read');
    expect(RULES_BY_ID.get('yaml-syntax')?.description).toBe('the input is well-formed YAML without duplicate keys; every alias names an earlier anchor, and aliases add at most a million nodes to a file');
  });
});

describe('an Ingress backend with no port', () => {
  it('number 0 and no name (or an empty port): the API server refuses it, "port name or number is required"', () => {
    const text = [
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata: { name: web }',
      'spec:',
      '  defaultBackend: { service: { name: web, port: { number: 0 } } }',
      '  rules:',
      '    - http:',
      '        paths:',
      '          - { path: /, pathType: Prefix, backend: { service: { name: web, port: {} } } }',
      '          - { path: /a, pathType: Prefix, backend: { service: { name: web, port: { name: http } } } }',
      '',
    ].join('\n');
    expect(schema(lint(text))).toEqual([
      '5:43 Ingress/web: spec.defaultBackend.service.port: port name or number is required',
      '9:75 Ingress/web: spec.rules[0].http.paths[0].backend.service.port: port name or number is required',
    ]);
  });
});

