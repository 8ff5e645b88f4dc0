/**
 * Introspect the real target database: columns, types, lengths, nullability, enum-like CHECK
 * constraints and foreign keys. A mapping is checked against this before anything loads.
 */
import type pg from 'pg';

export type PgKind = 'text' | 'integer' | 'bigint' | 'smallint' | 'numeric' | 'boolean' | 'date' | 'timestamptz' | 'timestamp' | 'uuid' | 'jsonb' | 'json' | 'text[]' | 'other';

export interface TargetColumn {
  name: string;
  kind: PgKind;
  /** udt/data type as PostgreSQL reports it. */
  dataType: string;
  maxLength: number | null;
  /** char(n) columns, where shorter values are padded and longer ones refused. */
  fixedLength: boolean;
  precision: number | null;
  scale: number | null;
  nullable: boolean;
  hasDefault: boolean;
  /** The default as COPY text: a literal, 'now()', null (no default) or undefined (an expression we cannot evaluate). */
  defaultText: string | null | undefined;
  /** Allowed values from a CHECK (col IN (...)) / = ANY (ARRAY[...]) constraint. */
  allowed: string[] | null;
}

export interface ForeignKey {
  column: string;
  refTable: string;
}

export interface TargetTable {
  name: string;
  columns: Map<string, TargetColumn>;
  /** Column order as in the table. */
  order: string[];
  foreignKeys: ForeignKey[];
}

export type TargetCatalog = Map<string, TargetTable>;

function kindOf(dataType: string, udt: string): PgKind {
  switch (dataType) {
    case 'text': case 'character varying': case 'character': case 'citext': return 'text';
    case 'integer': return 'integer';
    case 'bigint': return 'bigint';
    case 'smallint': return 'smallint';
    case 'numeric': case 'double precision': case 'real': return 'numeric';
    case 'boolean': return 'boolean';
    case 'date': return 'date';
    case 'timestamp with time zone': return 'timestamptz';
    case 'timestamp without time zone': return 'timestamp';
    case 'uuid': return 'uuid';
    case 'jsonb': return 'jsonb';
    case 'json': return 'json';
    case 'ARRAY': return udt === '_text' || udt === '_varchar' ? 'text[]' : 'other';
    default: return udt === 'citext' ? 'text' : 'other';
  }
}

/** A column default as COPY text, when it is a literal or now(). */
export function parseDefault(def: string | null): string | null | undefined {
  if (def === null) return null;
  if (/^(now\(\)|CURRENT_TIMESTAMP)$/i.test(def)) return 'now()';
  const lit = /^'((?:[^']|'')*)'(?:::[a-z ]+(?:\[\])?)?$/i.exec(def);
  if (lit) return lit[1]!.replace(/''/g, "'");
  if (/^(true|false|-?\d+(\.\d+)?)$/i.test(def)) return def;
  return undefined;
}

/** Parse the allowed values out of a CHECK constraint definition, if it is an enum-like check on one column. */
export function parseAllowedValues(def: string): { column: string; values: string[] } | null {
  // CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))
  const any = /^CHECK \(\(+"?([a-z_][a-z0-9_]*)"?\)?(?:::text)? = ANY \(\(?ARRAY\[(.+)\]\)?(?:::text\[\])?\)\)+$/i.exec(def);
  if (any) return { column: any[1]!, values: [...any[2]!.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'")) };
  // CHECK (((mode IS NULL) OR (mode = ANY (ARRAY[...]))))
  const nullable = /^CHECK \(\(\("?([a-z_][a-z0-9_]*)"? IS NULL\) OR \(\(?"?\1"?\)?(?:::text)? = ANY \(\(?ARRAY\[(.+)\]\)?(?:::text\[\])?\)\)\)\)$/i.exec(def);
  if (nullable) return { column: nullable[1]!, values: [...nullable[2]!.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'")) };
  return null;
}

export async function introspectTarget(pool: pg.Pool | pg.PoolClient, schema: string): Promise<TargetCatalog> {
  const cols = await pool.query<{
    table_name: string; column_name: string; data_type: string; udt_name: string; character_maximum_length: number | null;
    numeric_precision: number | null; numeric_scale: number | null; is_nullable: string; column_default: string | null;
  }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.character_maximum_length, c.numeric_precision,
            c.numeric_scale, c.is_nullable, c.column_default
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
    [schema],
  );
  const catalog: TargetCatalog = new Map();
  for (const r of cols.rows) {
    let t = catalog.get(r.table_name);
    if (!t) {
      t = { name: r.table_name, columns: new Map(), order: [], foreignKeys: [] };
      catalog.set(r.table_name, t);
    }
    t.columns.set(r.column_name, {
      name: r.column_name,
      kind: kindOf(r.data_type, r.udt_name),
      dataType: r.data_type,
      maxLength: r.character_maximum_length,
      fixedLength: r.data_type === 'character',
      precision: r.data_type === 'numeric' ? r.numeric_precision : null,
      scale: r.data_type === 'numeric' ? r.numeric_scale : null,
      nullable: r.is_nullable === 'YES',
      hasDefault: r.column_default !== null,
      defaultText: parseDefault(r.column_default),
      allowed: null,
    });
    t.order.push(r.column_name);
  }
  const cons = await pool.query<{ table_name: string; contype: string; def: string; column_name: string | null; ref_table: string | null }>(
    `SELECT cl.relname AS table_name, co.contype, pg_get_constraintdef(co.oid) AS def,
            (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = co.conrelid AND a.attnum = co.conkey[1]) AS column_name,
            rc.relname AS ref_table
       FROM pg_constraint co
       JOIN pg_class cl ON cl.oid = co.conrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace
       LEFT JOIN pg_class rc ON rc.oid = co.confrelid
      WHERE n.nspname = $1 AND co.contype IN ('c', 'f')`,
    [schema],
  );
  for (const c of cons.rows) {
    const t = catalog.get(c.table_name);
    if (!t) continue;
    if (c.contype === 'f' && c.column_name && c.ref_table) t.foreignKeys.push({ column: c.column_name, refTable: c.ref_table });
    if (c.contype === 'c') {
      const parsed = parseAllowedValues(c.def);
      const col = parsed ? t.columns.get(parsed.column) : undefined;
      if (parsed && col) col.allowed = parsed.values;
    }
  }
  return catalog;
}
