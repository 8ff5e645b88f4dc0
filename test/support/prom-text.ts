/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: it throws on
 * anything a scraper would reject or that breaks the format's rules — a malformed line, a bad
 * metric or label name, a bad escape, a sample before its family's TYPE or apart from its family,
 * a duplicate series, a histogram whose buckets are not cumulative or lack +Inf, or whose _count
 * differs from its +Inf bucket.
 */
export interface Sample { name: string; labels: Record<string, string>; value: number }
export interface Family { name: string; type: string; help: string; samples: Sample[] }

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(s: string, line: number): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`line ${line}: "${s}" is not a sample value`);
  return Number(s);
}

function parseLabels(s: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  for (;;) {
    while (s[i] === ' ') i++;
    if (s[i] === '}') return { labels, rest: s.slice(i + 1) };
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: a label without =`);
    const name = s.slice(i, eq).trim();
    if (!LABEL.test(name) || name.startsWith('__')) throw new Error(`line ${line}: bad label name "${name}"`);
    if (name in labels) throw new Error(`line ${line}: label ${name} twice`);
    if (s[eq + 1] !== '"') throw new Error(`line ${line}: label ${name}'s value is not quoted`);
    let v = '';
    let j = eq + 2;
    for (;; j++) {
      const c = s[j];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = s[++j];
        if (e === 'n') v += '\n';
        else if (e === '\\' || e === '"') v += e;
        else throw new Error(`line ${line}: bad escape \\${e}`);
      } else if (c === '\n') throw new Error(`line ${line}: raw newline in label value`);
      else v += c;
    }
    labels[name] = v;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (s[i] !== '}') throw new Error(`line ${line}: expected , or } after label ${name}`);
  }
}

/** The family a sample name belongs to (histogram/summary suffixes). */
function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  if (families.has(sample)) return families.get(sample);
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const f = families.get(sample.slice(0, -suffix.length));
    if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const closed = new Set<string>();
  let current: Family | null = null;
  text.slice(0, -1).split('\n').forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC.test(name)) throw new Error(`line ${line}: bad metric name "${name}"`);
      let f = families.get(name);
      if (!f) {
        if (closed.has(name)) throw new Error(`line ${line}: family ${name} appears twice`);
        f = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, f);
      }
      if (current && current !== f) closed.add(current.name);
      current = f;
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type "${rest}"`);
        if (f.samples.length > 0) throw new Error(`line ${line}: TYPE of ${name} after its samples`);
        f.type = rest;
      } else f.help = rest;
      return;
    }
    const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(raw);
    if (!nameMatch) throw new Error(`line ${line}: not a sample: ${raw}`);
    const name = nameMatch[1]!;
    let rest = raw.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, line));
    const parts = rest.trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw new Error(`line ${line}: expected a value and an optional timestamp: ${raw}`);
    const value = parseValue(parts[0]!, line);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${line}: bad timestamp ${parts[1]}`);
    const f = familyOf(name, families);
    if (!f) throw new Error(`line ${line}: sample ${name} has no TYPE/HELP family before it`);
    if (f !== current) throw new Error(`line ${line}: sample ${name} is apart from its family's block`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${line}: duplicate series ${key}`);
    seen.add(key);
    if (f.type === 'counter' && (value < 0 || Number.isNaN(value))) throw new Error(`line ${line}: counter ${name} is ${value}`);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: { le: number; v: number }[]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}_bucket without le`);
      g.buckets.push({ le: parseValue(le, 0), v: s.value });
    } else if (s.name === `${f.name}_count`) g.count = s.value;
    else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else throw new Error(`histogram ${f.name} has a sample ${s.name}`);
  }
  for (const [key, g] of groups) {
    const sorted = [...g.buckets].sort((a, b) => a.le - b.le);
    if (sorted.at(-1)?.le !== Infinity) throw new Error(`histogram ${f.name}${key} has no +Inf bucket`);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.v < sorted[i - 1]!.v) throw new Error(`histogram ${f.name}${key}: buckets are not cumulative`);
    if (g.count === undefined || g.sum === undefined) throw new Error(`histogram ${f.name}${key} lacks _count or _sum`);
    if (g.count !== sorted.at(-1)!.v) throw new Error(`histogram ${f.name}${key}: _count ${g.count} differs from the +Inf bucket ${sorted.at(-1)!.v}`);
  }
}

/** The value of one series (0 when absent, as a counter not yet incremented). */
export function seriesValue(families: Map<string, Family>, family: string, labels: Record<string, string>, sampleName = family): number {
  const f = families.get(family);
  const s = f?.samples.find((x) => x.name === sampleName && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value ?? 0;
}
