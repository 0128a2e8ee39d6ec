// CronJob schedules: what the schema lets through (five fields) but the API server refuses
// (robfig/cron's standard parser) is an error at validate.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cronProblem } from '../src/topology/cron.js';
import { runValidate } from '../src/commands/validate.js';
import { ROOT } from './examples.js';

describe('cronProblem', () => {
  it('takes what Kubernetes takes', () => {
    const good = ['30 2 * * *', '*/5 * * * *', '0,15,30,45 */2 1-15/3 * 1-5', '0 2 * * MON-FRI', '0 2 * jan,Jul *', '0 2 ? * sun', '0 0 31 2 *', '5/15 * * * *', '@hourly', '@yearly', ' 0 1 * * * '];
    expect(good.filter((c) => cronProblem(c) !== undefined)).toEqual([]);
  });

  it('refuses the rest, naming the field', () => {
    expect(Object.fromEntries(['61 * * * *', '* 24 * * *', '0 0 0 * *', '* * * 13 *', '* * * * 7', '*/0 * * * *', '5-1 * * * *', 'a b c d e', '1-2-3 * * * *', '1/2/3 * * * *', '* * * * MON-', '* * * *', '0 0 * * * *', '@every'].map((c) => [c, cronProblem(c)]))).toEqual({
      '61 * * * *': 'minute `61`: `61` is not a number from 0 to 59',
      '* 24 * * *': 'hour `24`: `24` is not a number from 0 to 23',
      '0 0 0 * *': 'day of month `0`: `0` is not a number from 1 to 31',
      '* * * 13 *': 'month `13`: `13` is not 1-12 or JAN-DEC',
      '* * * * 7': 'day of week `7`: `7` is not 0-6 or SUN-SAT',
      '*/0 * * * *': 'minute `*/0`: the step in `*/0` must be a whole number of 1 or more',
      '5-1 * * * *': 'minute `5-1`: the range `5-1` runs backwards',
      'a b c d e': 'minute `a`: `a` is not a number from 0 to 59',
      '1-2-3 * * * *': 'minute `1-2-3`: `1-2-3` is not a value or a range a-b',
      '1/2/3 * * * *': 'minute `1/2/3`: `1/2/3` has two steps',
      '* * * * MON-': 'day of week `MON-`: `MON-` is not a value or a range a-b',
      '* * * *': 'a schedule has 5 fields (minute hour day-of-month month day-of-week), not 4',
      '0 0 * * * *': 'a schedule has 5 fields (minute hour day-of-month month day-of-week), not 6',
      '@every': '@every is no descriptor (@yearly, @monthly, @weekly, @daily, @hourly)',
    });
  });
});

describe('ddp validate', () => {
  it('bad-schedule at the schedule, with file:line:col', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddp-cron-'));
    try {
      const text = readFileSync(join(ROOT, 'examples', '05-function', 'ddp.yaml'), 'utf8').replace('schedule: "30 2 * * *"', 'schedule: "30 2 * * 7"');
      writeFileSync(join(dir, 'ddp.yaml'), text);
      const r = await runValidate({ cwd: dir });
      expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => [`${d.line}:${d.col}`, d.code, d.message, d.pointer])).toEqual([
        ['33:26', 'bad-schedule', 'schedule "30 2 * * 7" is not one Kubernetes takes: day of week `7`: `7` is not 0-6 or SUN-SAT', '/services/nightly-report/trigger/schedule'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
