/**
 * Owner/user mapping by email. Source users are read once (they are few); each source user id maps
 * to the Logic Nexus user with the same email in the tenant, else to the fallback owner. Unmatched
 * owners are reported with how many records they owned.
 */
import type pg from 'pg';
import type { Mapping } from '../../shared/mapping/schema.ts';
import type { SourceConnector } from '../../shared/connector.ts';
import { parseRecordBatch } from '../../shared/record-batch.ts';
import { qualified } from '../db/sql/ident.ts';
import type { OwnerResolver } from './mapping/compile.ts';
import type { Warnings } from './mapping/warnings.ts';
import { getPath } from './mapping/fields.ts';

export interface OwnerDirectory {
  resolver: OwnerResolver;
  /** Source users read, matched (a Logic Nexus user has the email) or not. */
  matched: number;
  unmatched: { sourceId: string; email: string | null }[];
  read: number;
}

export const noOwners: OwnerResolver = { resolve: () => null };

export async function buildOwnerDirectory(
  pool: pg.Pool, targetSchema: string, tenantId: string, mapping: Mapping, source: SourceConnector, warnings: Warnings, batchSize: number,
): Promise<OwnerDirectory> {
  const spec = mapping.owners;
  if (!spec) return { resolver: noOwners, matched: 0, unmatched: [], read: 0 };
  const { rows } = await pool.query<{ id: string; email: string }>(
    `SELECT id, lower(email) AS email FROM ${qualified(targetSchema, 'users')} WHERE tenant_id = $1 AND is_active`,
    [tenantId],
  );
  const byEmail = new Map(rows.map((r) => [r.email, r.id]));
  const fallback = spec.fallbackEmail ? byEmail.get(spec.fallbackEmail.toLowerCase()) ?? null : null;
  const emailOf = new Map<string, string | null>();
  let read = 0;
  for await (const raw of source.read(spec.entity, { batchSize })) {
    const batch = parseRecordBatch(raw);
    for (const r of batch.records) {
      read++;
      const e = getPath(r.fields, spec.emailField);
      emailOf.set(r.sourceId, typeof e === 'string' && e.includes('@') ? e.trim().toLowerCase() : null);
    }
  }
  const unmatched: { sourceId: string; email: string | null }[] = [];
  let matched = 0;
  for (const [sourceId, email] of emailOf) {
    if (email && byEmail.has(email)) matched++;
    else unmatched.push({ sourceId, email });
  }
  return {
    read,
    matched,
    unmatched,
    resolver: {
      resolve(sourceUserId: string): string | null {
        const email = emailOf.get(sourceUserId) ?? null;
        const id = email ? byEmail.get(email) : undefined;
        if (id) return id;
        warnings.owner(sourceUserId, email, fallback ? spec.fallbackEmail!.toLowerCase() : null);
        return fallback;
      },
    },
  };
}
