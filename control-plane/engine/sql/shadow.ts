/**
 * The shadow schemas of a dry run, one operation per function: tables shaped like the live ones
 * (columns, NOT NULL, lengths, defaults, CHECK, primary and unique keys), the live rows copied in,
 * and the same foreign keys pointing at those copies. Live tables are only read (SELECT, CREATE
 * TABLE … LIKE: ACCESS SHARE, which blocks no writer); their triggers are not copied, so none fires.
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../../db/sql/ident.ts';

type Q = pg.Pool | pg.PoolClient;

/** A foreign key as the catalog holds it. */
export interface ForeignKeyDef {
  name: string;
  table: string;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
  onUpdate: string;
  onDelete: string;
  match: string;
  deferrable: boolean;
  deferred: boolean;
}

export async function createSchema(q: Q, schema: string): Promise<void> {
  await q.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
}

export async function dropSchema(q: Q, schema: string): Promise<void> {
  await q.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
}

/** Base tables of a schema. */
export async function listTables(q: Q, schema: string): Promise<string[]> {
  const { rows } = await q.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.relname);
}

/** Every foreign key declared on a table of `schema`. */
export async function listForeignKeys(q: Q, schema: string): Promise<ForeignKeyDef[]> {
  const { rows } = await q.query<{
    name: string; table: string; columns: string[]; ref_schema: string; ref_table: string; ref_columns: string[];
    upd: string; del: string; match: string; deferrable: boolean; deferred: boolean;
  }>(
    `SELECT co.conname AS name, cl.relname AS table, rn.nspname AS ref_schema, rc.relname AS ref_table,
            co.confupdtype AS upd, co.confdeltype AS del, co.confmatchtype AS match,
            co.condeferrable AS deferrable, co.condeferred AS deferred,
            ARRAY(SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(co.confkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n ORDER BY k.i) AS ref_columns
       FROM pg_constraint co
       JOIN pg_class cl ON cl.oid = co.conrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace
       JOIN pg_class rc ON rc.oid = co.confrelid
       JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE n.nspname = $1 AND co.contype = 'f'
      ORDER BY cl.relname, co.conname`,
    [schema],
  );
  return rows.map((r) => ({
    name: r.name, table: r.table, columns: r.columns, refSchema: r.ref_schema, refTable: r.ref_table, refColumns: r.ref_columns,
    onUpdate: r.upd, onDelete: r.del, match: r.match, deferrable: r.deferrable, deferred: r.deferred,
  }));
}

/** Same columns, NOT NULL, defaults, CHECK, identity and generated columns; indexes come from copyIndexes. */
export async function createTableLike(q: Q, shadow: string, live: string, table: string): Promise<void> {
  await q.query(`CREATE TABLE ${qualified(shadow, table)} (LIKE ${qualified(live, table)} INCLUDING ALL EXCLUDING INDEXES)`);
}

/**
 * Primary keys, unique and exclusion constraints and every index, under their live names (LIKE
 * would rename them), so a refusal names the same constraint in the dry run as in the run.
 */
export async function copyIndexes(q: Q, shadow: string, live: string, table: string): Promise<void> {
  const { rows } = await q.query<{ conname: string | null; condef: string | null; indexdef: string }>(
    `SELECT co.conname, pg_get_constraintdef(co.oid) AS condef, pg_get_indexdef(i.indexrelid) AS indexdef
       FROM pg_index i LEFT JOIN pg_constraint co ON co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x')
      WHERE i.indrelid = $1::regclass ORDER BY i.indisprimary DESC, i.indexrelid`,
    [qualified(live, table)],
  );
  for (const r of rows) {
    if (r.conname && r.condef) {
      await q.query(`ALTER TABLE ${qualified(shadow, table)} ADD CONSTRAINT ${quoteIdent(r.conname)} ${r.condef}`);
      continue;
    }
    const def = r.indexdef.replace(/ ON (?:ONLY )?\S+ USING /, ` ON ${qualified(shadow, table)} USING `);
    if (def === r.indexdef) throw new Error(`cannot copy index of ${table} into the dry run's shadow: ${r.indexdef}`);
    await q.query(def);
  }
}

/** Copy every row (generated columns are recomputed, identity values kept). */
export async function copyTableRows(q: Q, shadow: string, live: string, table: string): Promise<void> {
  const { rows } = await q.query<{ attname: string }>(
    `SELECT a.attname FROM pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attnum`,
    [qualified(live, table)],
  );
  const cols = rows.map((r) => quoteIdent(r.attname)).join(', ');
  await q.query(`INSERT INTO ${qualified(shadow, table)} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${qualified(live, table)}`);
}

const ACTION: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

/**
 * The live foreign key, on the shadow table, pointing at the shadow copy of its referenced table.
 * NOT VALID: the copied rows already satisfied it in the live schema; every new row is checked.
 */
export async function addShadowForeignKey(q: Q, shadow: string, fk: ForeignKeyDef): Promise<void> {
  const cols = fk.columns.map(quoteIdent).join(', ');
  const refCols = fk.refColumns.map(quoteIdent).join(', ');
  const match = fk.match === 'f' ? ' MATCH FULL' : '';
  const timing = fk.deferrable ? ` DEFERRABLE INITIALLY ${fk.deferred ? 'DEFERRED' : 'IMMEDIATE'}` : '';
  await q.query(
    `ALTER TABLE ${qualified(shadow, fk.table)} ADD CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${cols})
       REFERENCES ${qualified(shadow, fk.refTable)} (${refCols})${match}
       ON UPDATE ${ACTION[fk.onUpdate] ?? 'NO ACTION'} ON DELETE ${ACTION[fk.onDelete] ?? 'NO ACTION'}${timing} NOT VALID`,
  );
}

/**
 * Columns whose default draws from a sequence (serial) or an identity: give the shadow its own
 * sequence, positioned where the live one is, so the dry run consumes no live sequence value.
 */
export async function detachSequences(q: Q, shadow: string, live: string, table: string): Promise<void> {
  const { rows } = await q.query<{ attname: string; identity: boolean; seq: string | null }>(
    `SELECT a.attname, a.attidentity <> '' AS identity, pg_get_serial_sequence($2, a.attname) AS seq
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
        AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')`,
    [qualified(shadow, table), qualified(live, table)],
  );
  for (const r of rows) {
    const shadowTable = qualified(shadow, table);
    let seq: string;
    if (r.identity) {
      const { rows: s } = await q.query<{ seq: string }>(`SELECT pg_get_serial_sequence($1, $2) AS seq`, [shadowTable, r.attname]);
      seq = s[0]!.seq;
    } else {
      const name = `${table}_${r.attname}_shadow_seq`.slice(0, 63);
      seq = qualified(shadow, name);
      await q.query(`CREATE SEQUENCE ${seq}`);
      await q.query(`ALTER TABLE ${shadowTable} ALTER COLUMN ${quoteIdent(r.attname)} SET DEFAULT nextval('${seq.replace(/'/g, "''")}'::regclass)`);
    }
    // Position it after every copied value and after the live sequence (if we can read it).
    const liveSeq = r.seq;
    const { rows: m } = await q.query<{ v: string | null }>(`SELECT max(${quoteIdent(r.attname)})::bigint::text AS v FROM ${shadowTable}`);
    let next = BigInt(m[0]!.v ?? '0');
    if (liveSeq) {
      const { rows: l } = await q.query<{ v: string | null }>(`SELECT last_value::text AS v FROM ${liveSeq}`).catch(() => ({ rows: [{ v: null }] }));
      if (l[0]?.v && BigInt(l[0].v) > next) next = BigInt(l[0].v);
    }
    if (next > 0n) await q.query(`SELECT setval($1::regclass, $2::bigint)`, [seq, next.toString()]);
  }
}

/** Copy only the rows of one tenant (control tables such as id_map). */
export async function copyTenantRows(q: Q, shadow: string, live: string, table: string, tenantId: string): Promise<void> {
  await q.query(`INSERT INTO ${qualified(shadow, table)} SELECT * FROM ${qualified(live, table)} WHERE tenant_id = $1`, [tenantId]);
}

/** Rows of one run, copied from the shadow control schema back to the live one (serial ids renumbered). */
export async function copyRunRows(q: Q, from: string, to: string, table: string, runId: string, o: { skip?: string[]; orderBy?: string } = {}): Promise<void> {
  const skip = o.skip ?? [];
  const { rows } = await q.query<{ attname: string }>(
    `SELECT a.attname FROM pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [qualified(to, table)],
  );
  const cols = rows.map((r) => r.attname).filter((c) => !skip.includes(c)).map(quoteIdent).join(', ');
  await q.query(`INSERT INTO ${qualified(to, table)} (${cols}) SELECT ${cols} FROM ${qualified(from, table)} WHERE run_id = $1 ORDER BY ${quoteIdent(o.orderBy ?? 'run_id')}`, [runId]);
}

/** The run row itself (same column order: the copy was made LIKE the live table). */
export async function copyRun(q: Q, from: string, to: string, runId: string): Promise<void> {
  await q.query(`INSERT INTO ${qualified(to, 'runs')} SELECT * FROM ${qualified(from, 'runs')} WHERE id = $1`, [runId]);
}

/** The comment on shadow schemas whose dry run holds the shadow advisory lock (older versions hold none: never treated as orphans). */
export const SHADOW_MARK = 'nexus-migrate dry-run shadow; its dry run holds advisory lock nexus-migrate:shadow while it lives';

export async function markShadowSchema(q: Q, schema: string): Promise<void> {
  await q.query(`COMMENT ON SCHEMA ${quoteIdent(schema)} IS ${literal(SHADOW_MARK)}`);
}

const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Bases (`nm_dry_<16 hex>`) of the marked shadow schema pairs that exist, whatever run made them. */
export async function listShadowBases(q: Q): Promise<string[]> {
  const { rows } = await q.query<{ base: string }>(
    `SELECT DISTINCT substring(nspname FROM '^(nm_dry_[0-9a-f]{16})_[tc]$') AS base FROM pg_namespace
      WHERE nspname ~ '^nm_dry_[0-9a-f]{16}_[tc]$' AND obj_description(oid, 'pg_namespace') = $1 ORDER BY 1`,
    [SHADOW_MARK],
  );
  return rows.map((r) => r.base);
}

/** The session advisory lock a dry run holds while its shadow schemas exist (free once its process is gone). */
export async function tryShadowLock(q: Q | pg.Client, base: string): Promise<boolean> {
  const { rows } = await q.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext('nexus-migrate:shadow'), hashtext($1)) AS ok`, [base]);
  return rows[0]!.ok;
}

export async function unlockShadow(q: Q | pg.Client, base: string): Promise<void> {
  await q.query(`SELECT pg_advisory_unlock(hashtext('nexus-migrate:shadow'), hashtext($1))`, [base]);
}

/** Mark the still-running dry run whose id starts with these 16 hex digits failed; returns its id when there was one. */
export async function failOrphanedDryRun(q: Q, controlSchema: string, idPrefix: string, error: string): Promise<string | null> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE ${qualified(controlSchema, 'runs')} SET status = 'failed', error = $2, finished_at = now()
      WHERE mode = 'dry-run' AND status = 'running' AND replace(id::text, '-', '') LIKE $1 || '%' RETURNING id`,
    [idPrefix, error],
  );
  return rows[0]?.id ?? null;
}
