// Is a CronJob schedule one the Kubernetes API server takes? It parses schedules with
// robfig/cron's standard parser: five fields (minute 0-59, hour 0-23, day of month 1-31, month
// 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT), each a comma list of `*` (or `?`), a
// value or a range `a-b`, each optionally `/step` with a step of 1 or more; or a descriptor
// (@yearly ...). The schema only counts the fields, so `61 * * * *` got through ddp and was
// refused at `kubectl apply` ("unparseable schedule").

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'], first: 1 },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], first: 0 },
] as const;

type Field = (typeof FIELDS)[number];

/** What is wrong with `schedule`, in words; undefined when Kubernetes takes it. */
export function cronProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith('@')) return /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(s) ? undefined : `${s} is no descriptor (@yearly, @monthly, @weekly, @daily, @hourly)`;
  const parts = s.split(/\s+/);
  if (parts.length !== 5) return `a schedule has 5 fields (minute hour day-of-month month day-of-week), not ${parts.length}`;
  for (let i = 0; i < 5; i++) {
    const why = fieldProblem(parts[i]!, FIELDS[i]!);
    if (why) return `${FIELDS[i]!.name} \`${parts[i]}\`: ${why}`;
  }
  return undefined;
}

function fieldProblem(text: string, f: Field): string | undefined {
  for (const item of text.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined) return `\`${item}\` has two steps`;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1)) return `the step in \`${item}\` must be a whole number of 1 or more`;
    if (range === '*' || range === '?') continue; // robfig reads `?` as `*`, in any field
    const ends = range!.split('-');
    if (ends.length > 2 || ends.some((e) => e === '')) return `\`${item}\` is not a value or a range a-b`;
    const values = ends.map((e) => value(e, f));
    const bad = ends.find((_, i) => values[i] === undefined);
    if (bad !== undefined) return `\`${bad}\` is not ${'names' in f ? `${f.min}-${f.max} or ${f.names[0]}-${f.names[f.names.length - 1]}` : `a number from ${f.min} to ${f.max}`}`;
    if (values.length === 2 && values[0]! > values[1]!) return `the range \`${range}\` runs backwards`;
  }
  return undefined;
}

function value(text: string, f: Field): number | undefined {
  const n = /^\d+$/.test(text) ? Number(text) : 'names' in f ? (f.names as readonly string[]).indexOf(text.toUpperCase()) + f.first : Number.NaN;
  return n >= f.min && n <= f.max ? n : undefined;
}
