/**
 * The query compiler: builds the few statements the SQL source runs (keyset page, incremental
 * page, key bounds, partition boundary, count) with quoted identifiers and bound parameters.
 * One implementation, parameterised by a small per-dialect flavour (quoting, placeholders,
 * LIMIT vs TOP, type-preserving projections).
 */
import type { FieldValue } from '../../shared/record-batch.ts';
import type { NormalType, ReadPlan, SelectColumn } from './types.ts';

export interface CompiledQuery {
  sql: string;
  params: FieldValue[];
  /** Normalised type of each parameter, for drivers that bind typed parameters (tedious). */
  paramTypes: NormalType[];
}

export interface SqlFlavour {
  quote(ident: string): string;
  /** Placeholder for the i-th (0-based) parameter, wrapped in a conversion when the type needs one. */
  placeholder(index: number, type: NormalType): string;
  /** Projection of one column; dialects may convert to text to keep precision. */
  project(expr: string, type: NormalType): string;
  /** Projection of a text column as its stored bytes (only dialects whose servers can hold unverified text). */
  projectBytes?(expr: string): string;
  limitStyle: 'limit' | 'top';
}

export interface KeysetRange {
  /** Inclusive lower bound of the first key column. */
  lo?: FieldValue;
  /** Exclusive upper bound of the first key column. */
  hi?: FieldValue;
}

export class QueryCompiler {
  constructor(readonly flavour: SqlFlavour) {}

  quote(ident: string): string {
    return this.flavour.quote(ident);
  }

  table(plan: Pick<ReadPlan, 'schema' | 'table'>): string {
    return plan.schema ? `${this.quote(plan.schema)}.${this.quote(plan.table)}` : this.quote(plan.table);
  }

  /** SELECT list: every column under its field name, plus scalar lookups (first match by value). */
  selectList(plan: ReadPlan, params: Params, alias = 't'): string {
    const q = (c: string): string => this.quote(c);
    const cols = plan.columns.map((c) => `${this.project(`${q(alias)}.${q(c.column)}`, c)} AS ${q(c.field)}`);
    for (const l of plan.lookups) {
      const lc = `${q('l')}.${q(l.column)}`;
      let where = `${q('l')}.${q(l.matchColumn)} = ${q(alias)}.${q(l.keyColumn)}`;
      if (l.equals) where += ` AND ${q('l')}.${q(l.equals.column)} = ${params.add(l.equals.value, 'string')}`;
      const from = `${this.table({ schema: plan.schema, table: l.table })} ${q('l')}`;
      const sub = this.flavour.limitStyle === 'top'
        ? `SELECT TOP (1) ${lc} FROM ${from} WHERE ${where} ORDER BY ${lc}`
        : `SELECT ${lc} FROM ${from} WHERE ${where} ORDER BY ${lc} LIMIT 1`;
      cols.push(`${this.project(`(${sub})`, l)} AS ${q(l.field)}`);
    }
    return cols.join(', ');
  }

  private project(expr: string, c: { type: NormalType; rawText?: boolean }): string {
    return c.rawText && this.flavour.projectBytes ? this.flavour.projectBytes(expr) : this.flavour.project(expr, c.type);
  }

  /** (k1 > a) OR (k1 = a AND k2 > b) …, expanded so that T-SQL (no row values) accepts it. */
  private after(cols: SelectColumn[], values: FieldValue[], params: Params, alias: string): string {
    const ors: string[] = [];
    for (let i = 0; i < cols.length; i++) {
      const ands: string[] = [];
      for (let j = 0; j < i; j++) ands.push(`${this.col(alias, cols[j]!)} = ${params.add(values[j]!, cols[j]!.type)}`);
      ands.push(`${this.col(alias, cols[i]!)} > ${params.add(values[i]!, cols[i]!.type)}`);
      ors.push(ands.length === 1 ? ands[0]! : `(${ands.join(' AND ')})`);
    }
    return ors.length === 1 ? ors[0]! : `(${ors.join(' OR ')})`;
  }

  private col(alias: string, c: SelectColumn): string {
    return `${this.quote(alias)}.${this.quote(c.column)}`;
  }

  private wrap(select: string, from: string, where: string[], orderBy: string[], limit: number): string {
    const top = this.flavour.limitStyle === 'top' ? `TOP (${limit}) ` : '';
    const tail = this.flavour.limitStyle === 'limit' ? ` LIMIT ${limit}` : '';
    const w = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    return `SELECT ${top}${select} FROM ${from}${w} ORDER BY ${orderBy.join(', ')}${tail}`;
  }

  /** One page of a full pass in primary-key order, after `after` (exclusive), within `range`. */
  keysetPage(plan: ReadPlan, after: FieldValue[] | null, range: KeysetRange | undefined, limit: number): CompiledQuery {
    const params = new Params(this.flavour);
    const select = this.selectList(plan, params);
    const where: string[] = [];
    if (after) where.push(this.after(plan.key, after, params, 't'));
    const k0 = plan.key[0]!;
    if (range?.lo !== undefined && range.lo !== null) where.push(`${this.col('t', k0)} >= ${params.add(range.lo, k0.type)}`);
    if (range?.hi !== undefined && range.hi !== null) where.push(`${this.col('t', k0)} < ${params.add(range.hi, k0.type)}`);
    const order = plan.key.map((k) => this.col('t', k));
    const sql = this.wrap(select, `${this.table(plan)} ${this.quote('t')}`, where, order, limit);
    return params.done(sql);
  }

  /**
   * One page of an incremental pass: WHERE (m > :m) OR (m = :m AND key > :k) ORDER BY m, key,
   * or WHERE m >= :m when the pass starts over a finished one (key empty: a lookback overlap).
   * Rows sharing the high-water timestamp are never skipped; a NULL `after` reads every row
   * whose modified column is set.
   */
  incrementalPage(plan: ReadPlan, after: { modified: FieldValue; key: FieldValue[] } | null, limit: number): CompiledQuery {
    const m = plan.modified;
    if (!m) throw new Error(`entity ${plan.entity} has no modified column`);
    const params = new Params(this.flavour);
    const select = this.selectList(plan, params);
    const where: string[] = [`${this.col('t', m)} IS NOT NULL`];
    // A pass that starts from a finished pass re-reads the whole boundary timestamp (key omitted):
    // a row written at that instant but committed after the last read is not lost.
    if (after && after.key.length === 0) where.push(`${this.col('t', m)} >= ${params.add(after.modified, m.type)}`);
    else if (after) where.push(this.after([m, ...plan.key], [after.modified, ...after.key], params, 't'));
    const order = [m, ...plan.key].map((k) => this.col('t', k));
    return params.done(this.wrap(select, `${this.table(plan)} ${this.quote('t')}`, where, order, limit));
  }

  /** MIN/MAX of a numeric first key column and the row count, for partitioning. */
  keyBounds(plan: ReadPlan): CompiledQuery {
    const k = this.col('t', plan.key[0]!);
    const sql = `SELECT MIN(${k}) AS ${this.quote('lo')}, MAX(${k}) AS ${this.quote('hi')}, COUNT(*) AS ${this.quote('n')} FROM ${this.table(plan)} ${this.quote('t')}`;
    return { sql, params: [], paramTypes: [] };
  }

  /** The first key value at or after the given row position (boundary discovery for non-numeric keys). */
  keyAtPosition(plan: ReadPlan, position: number): CompiledQuery {
    const k = this.col('t', plan.key[0]!);
    const from = `${this.table(plan)} ${this.quote('t')}`;
    const sql = this.flavour.limitStyle === 'top'
      ? `SELECT ${k} AS ${this.quote('k')} FROM ${from} ORDER BY ${k} OFFSET ${position} ROWS FETCH NEXT 1 ROWS ONLY`
      : `SELECT ${k} AS ${this.quote('k')} FROM ${from} ORDER BY ${k} LIMIT 1 OFFSET ${position}`;
    return { sql, params: [], paramTypes: [] };
  }

  /** Row count (aliased n). */
  count(plan: Pick<ReadPlan, 'schema' | 'table'>): CompiledQuery {
    return { sql: `SELECT COUNT(*) AS ${this.quote('n')} FROM ${this.table(plan)}`, params: [], paramTypes: [] };
  }
}

export class Params {
  readonly values: FieldValue[] = [];
  readonly types: NormalType[] = [];
  constructor(private readonly flavour: SqlFlavour) {}
  add(value: FieldValue, type: NormalType): string {
    this.values.push(value);
    this.types.push(type);
    return this.flavour.placeholder(this.values.length - 1, type);
  }
  done(sql: string): CompiledQuery {
    return { sql, params: this.values, paramTypes: this.types };
  }
}
