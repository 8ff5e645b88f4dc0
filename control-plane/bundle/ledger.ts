/**
 * The bundle ledger (control schema table bundle_imports): refuses a replayed bundle id and an older
 * source snapshot over a newer one, unless `forceOlder`, which is written to the audit log.
 */
import type pg from 'pg';
import { BundleRejectedError } from './frames.ts';

export interface BundleClaim {
  file: string;
  bundleId: string;
  tenantId: string;
  sourceSystem: string;
  /** The source snapshot time (the authenticated manifest's createdAt). */
  snapshotAt: string;
  forceOlder: boolean;
  /** Who imports, for the ledger and the audit log (e.g. cli:<user>). */
  actor: string;
  /** The enrolled agent whose signature the bundle carries (named in the audit log). */
  agent: { id: string; name: string };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reserve the bundle id for this import (one transaction, serialised per tenant and source). */
export async function claimBundle(pool: pg.Pool, schema: string, b: BundleClaim): Promise<void> {
  const t = `"${schema.replace(/"/g, '""')}"`;
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`nexus-bundle:${schema}:${b.tenantId}:${b.sourceSystem}`]);
    const seen = await c.query<{ status: string; started_at: Date }>(`SELECT status, started_at FROM ${t}.bundle_imports WHERE bundle_id = $1`, [b.bundleId]);
    const prior = seen.rows[0];
    if (prior && prior.status !== 'failed') {
      throw new BundleRejectedError('replay', b.file, `bundle ${b.bundleId} was already ${prior.status === 'imported' ? 'imported' : 'being imported'} (${prior.started_at.toISOString()})`);
    }
    const newest = await c.query<{ snapshot_at: Date; bundle_id: string }>(
      `SELECT snapshot_at, bundle_id FROM ${t}.bundle_imports WHERE tenant_id = $1 AND source_system = $2 AND status <> 'failed' AND snapshot_at > $3
        ORDER BY snapshot_at DESC LIMIT 1`, [b.tenantId, b.sourceSystem, b.snapshotAt]);
    const newer = newest.rows[0];
    if (newer && !b.forceOlder) {
      throw new BundleRejectedError('older', b.file,
        `its snapshot (${b.snapshotAt}) is older than bundle ${newer.bundle_id} (${newer.snapshot_at.toISOString()}) already imported; importing it would revert newer data (--force-older to do it anyway, audited)`);
    }
    if (newer) {
      await c.query(`INSERT INTO ${t}.audit_log (tenant_id, actor, action, target, details) VALUES ($1, $2, 'bundle.import_older', $3, $4)`, [
        UUID.test(b.tenantId) ? b.tenantId : null, b.actor, b.bundleId,
        JSON.stringify({ tenant: b.tenantId, sourceSystem: b.sourceSystem, snapshotAt: b.snapshotAt, newerBundle: newer.bundle_id, newerSnapshotAt: newer.snapshot_at.toISOString() }),
      ]);
    }
    await c.query(`INSERT INTO ${t}.audit_log (tenant_id, actor, action, target, details) VALUES ($1, $2, 'bundle.import', $3, $4)`, [
      UUID.test(b.tenantId) ? b.tenantId : null, b.actor, b.bundleId,
      JSON.stringify({ tenant: b.tenantId, sourceSystem: b.sourceSystem, snapshotAt: b.snapshotAt, agentId: b.agent.id, agentName: b.agent.name }),
    ]);
    await c.query(
      `INSERT INTO ${t}.bundle_imports (bundle_id, tenant_id, source_system, snapshot_at, status, forced_older, imported_by)
       VALUES ($1, $2, $3, $4, 'importing', $5, $6)
       ON CONFLICT (bundle_id) DO UPDATE SET status = 'importing', forced_older = EXCLUDED.forced_older, imported_by = EXCLUDED.imported_by,
         started_at = now(), finished_at = NULL`,
      [b.bundleId, b.tenantId, b.sourceSystem, b.snapshotAt, !!newer, b.actor]);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/** Record how the import ended; a failed one may be imported again. */
export async function finishBundle(pool: pg.Pool, schema: string, bundleId: string, ok: boolean): Promise<void> {
  await pool.query(`UPDATE "${schema.replace(/"/g, '""')}".bundle_imports SET status = $2, finished_at = now() WHERE bundle_id = $1`, [bundleId, ok ? 'imported' : 'failed']);
}
