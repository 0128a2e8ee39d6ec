// What a user's file may hold that is not plain text: bytes that are not UTF-8 (a Latin-1 or
// UTF-16 file) are refused where they are, never decoded into U+FFFD and carried into the output;
// control characters and bidirectional overrides in a value are printed inert in diagnostics.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstInvalidUtf8 } from '../../src/user-files.js';
import { formatDiagnostics, formatGithub, inert } from '../../src/format.js';
import { BIN, ensureBuilt } from '../helpers/cli.js';
import { fcParams, SEED } from '../arbitraries.js';

const strict = new TextDecoder('utf-8', { fatal: true });
const decodes = (b: Uint8Array) => {
  try {
    strict.decode(b);
    return true;
  } catch {
    return false;
  }
};

describe('UTF-8', () => {
  // bytes near the boundaries that matter: ASCII, continuation bytes, every kind of lead byte
  const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90));
  const bytes = fc.oneof(fc.array(byte, { maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }).map((s) => [...Buffer.from(s)]), fc.tuple(fc.string({ maxLength: 4 }), fc.array(byte, { maxLength: 3 })).map(([s, b]) => [...Buffer.from(s), ...b]));

  it(`firstInvalidUtf8 agrees with the WHATWG decoder: -1 exactly when it decodes, else where the longest prefix that decodes ends (seed ${SEED})`, () => {
    fc.assert(
      fc.property(bytes, (arr) => {
        const b = Uint8Array.from(arr);
        const i = firstInvalidUtf8(b);
        if (i < 0) return decodes(b);
        // what comes before is UTF-8, and no longer prefix is: the sequence at i cannot be completed
        if (!decodes(b.subarray(0, i))) return false;
        for (let j = i + 1; j <= b.length; j++) if (decodes(b.subarray(0, j))) return false;
        return true;
      }),
      fcParams(3000),
    );
    expect(firstInvalidUtf8(Buffer.from('caf\xe9', 'latin1'))).toBe(3);
    expect(firstInvalidUtf8(Buffer.from('café ✓ 😀'))).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(0); // a surrogate
    expect(firstInvalidUtf8(Uint8Array.from([0xc0, 0xaf]))).toBe(0); // an overlong '/'
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xf0, 0x9f, 0x98]))).toBe(1); // cut short
  });

  it('a topology that is not UTF-8 is refused at the byte (validate and lint); a U+FFFD written in the file is text like any other', () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'ddp-utf8-'));
    try {
      writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('apiVersion: ddp/v1\nkind: Topology\nmetadata:\n  name: shop\n  labels: { team: "caf\xe9" }\n', 'latin1'));
      const r = spawnSync(process.execPath, [BIN, 'validate', 'latin1.yaml'], { cwd: dir, encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([
        1,
        'latin1.yaml:5:23: error[not-utf8]: latin1.yaml is not UTF-8 text: byte 0xE9 cannot start or continue a UTF-8 character\n  hint: save the file as UTF-8 (YAML and JSON files are UTF-8; Latin-1 or UTF-16 are not read)\n1 error\n',
      ]);
      const lint = spawnSync(process.execPath, [BIN, 'lint', 'latin1.yaml'], { cwd: dir, encoding: 'utf8' });
      expect([lint.status, lint.stderr.split('\n')[0]]).toEqual([1, 'latin1.yaml:5:23: error[not-utf8]: latin1.yaml is not UTF-8 text: byte 0xE9 cannot start or continue a UTF-8 character']);
      writeFileSync(join(dir, 'fffd.yaml'), 'apiVersion: "ddp/v1\uFFFD"\n');
      const fffd = spawnSync(process.execPath, [BIN, 'validate', 'fffd.yaml'], { cwd: dir, encoding: 'utf8' });
      expect(fffd.stderr).toContain('fffd.yaml:1:13: error[bad-value]: apiVersion must be `ddp/v1`; got `ddp/v1\uFFFD`');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('diagnostics print what the input holds, inert', () => {
  it(`no control character, line separator or bidirectional override reaches the terminal raw, in text or GitHub format (seed ${SEED})`, () => {
    const active = /[\x00-\x08\x0B-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 10 }), (value, file) => {
        const d = { severity: 'error' as const, code: 'bad-value', message: `got \`${value}\``, hint: `not ${value}`, file, line: 1, col: 1, pointer: `/x/${value}` };
        const text = formatDiagnostics([d]);
        const gh = formatGithub([d]);
        // and a newline in a value never starts a line of its own (one that could pass for ddp's)
        const lines = formatDiagnostics([{ ...d, message: 'm', hint: 'h', file: 'f', pointer: '/p' }]).split('\n').length;
        return !active.test(text.replace(/\n/g, '')) && !active.test(gh.replace(/\n$/, '')) && inert(value).length >= value.length && text.split('\n').length === lines;
      }),
      fcParams(500),
    );
    expect(inert('a\x1b[2Jb\u202Ec\td')).toBe('a\\u001b[2Jb\\u202ec\td');
  });

  it('a newline in a value shows as \\n: no forged `error[...]` line', () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'ddp-inert-'));
    try {
      writeFileSync(join(dir, 'nl.yaml'), 'apiVersion: ddp/v1\nkind: Topology\nmetadata:\n  name: x\nservices:\n  web:\n    pattern: replicated\n    image: "nginx:1.25\\nerror[fake]: all good, ship it"\n    port: 8080\n');
      const r = spawnSync(process.execPath, [BIN, 'validate', 'nl.yaml'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect([r.status, r.stderr]).toEqual([1, 'nl.yaml:8:12: error[bad-format]: services.web.image `nginx:1.25\\nerror[fake]: all good, ship i…` (41 characters) is not an image reference (no spaces) (at /services/web/image)\n1 error\n']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validate shows an escape sequence in a value as \\u001b, not as colour', () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'ddp-inert-'));
    try {
      writeFileSync(join(dir, 'esc.yaml'), 'apiVersion: "ddp/v1\\u001b[31mRED"\n');
      const r = spawnSync(process.execPath, [BIN, 'validate', 'esc.yaml'], { cwd: dir, encoding: 'utf8' });
      expect(r.stderr).toContain('esc.yaml:1:13: error[bad-value]: apiVersion must be `ddp/v1`; got `ddp/v1\\u001b[31mRED` (at /apiVersion)');
      expect(r.stderr).not.toContain('\x1b');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
