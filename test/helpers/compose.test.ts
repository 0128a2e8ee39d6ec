import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPOSE_SCHEMA_PATH, validateCompose } from './compose.js';

const good = () => ({
  name: 'shop',
  services: {
    web: {
      image: 'nginxinc/nginx-unprivileged:1.27',
      ports: ['8080:8080'],
      depends_on: { api: { condition: 'service_healthy' } },
      volumes: ['./nginx.conf:/etc/nginx/nginx.conf:ro'],
      read_only: true,
      networks: { default: { aliases: ['web.shop'] } },
    },
    api: {
      image: 'ghcr.io/acme/api:1.0',
      deploy: { replicas: 2, resources: { limits: { memory: '128M' } } },
      healthcheck: { test: ['CMD', 'wget', '-qO-', 'http://localhost:8080/healthz'], interval: '5s' },
      environment: { PORT: '8080' },
    },
  },
});

describe('validateCompose', () => {
  it('reads the official schema from ../shared/vendor', () => {
    expect(COMPOSE_SCHEMA_PATH).toMatch(/\/shared\/vendor\/compose-spec\.json$/);
    expect(existsSync(COMPOSE_SCHEMA_PATH)).toBe(true);
  });

  it('accepts a valid compose document', () => {
    expect(validateCompose(good())).toEqual([]);
  });

  it('rejects an unknown service key, naming the instance path', () => {
    const doc = good() as Record<string, any>;
    doc.services.web.portz = ['80:80'];
    expect(validateCompose(doc)).toEqual(['/services/web: unknown key "portz"']);
  });

  it('rejects unknown top-level keys and wrong types', () => {
    const doc = good() as Record<string, any>;
    doc.servcies = {};
    doc.services.api.ports = { http: 8080 };
    const errors = validateCompose(doc);
    expect(errors).toContain('(root): unknown key "servcies"');
    expect(errors).toContain('/services/api/ports: must be array');
  });
});
