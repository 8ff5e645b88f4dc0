/**
 * The credential store: SaaS credentials (OAuth refresh tokens, API keys) and webhook signing
 * secrets, encrypted at rest with envelope encryption. Each secret gets its own AES-256-GCM data
 * key, wrapped by the master key; the row's identity is bound in as associated data so a
 * ciphertext copied to another row does not decrypt. Plaintext never leaves this module except
 * to the caller that asked for it (the runner building a connector, the webhook signer).
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { registerSecret } from '../../../shared/log/redact.ts';
import { withSystem, type Db } from '../db.ts';
import type { KeyProvider } from './key-provider.ts';

export type OwnerKind = 'migration' | 'webhook' | 'connection';

export interface CredentialRef { tenantId: string; ownerKind: OwnerKind; ownerId: string }

export class CredentialDecryptError extends Error {
  override readonly name = 'CredentialDecryptError';
}

function aad(ref: CredentialRef, name: string): Buffer {
  return Buffer.from(`${ref.tenantId}|${ref.ownerKind}|${ref.ownerId}|${name}`);
}

export class CredentialStore {
  constructor(private readonly keys: KeyProvider) {}

  /** Store (or replace) the named secrets of one owner, inside the caller's tenant transaction. */
  async put(c: pg.PoolClient, ref: CredentialRef, secrets: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(secrets)) {
      registerSecret(value, ref.tenantId);
      const dataKey = randomBytes(32);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
      cipher.setAAD(aad(ref, name));
      const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      const { kekId, wrapped } = await this.keys.wrap(dataKey);
      dataKey.fill(0);
      await c.query(
        `INSERT INTO api_credentials (id, tenant_id, owner_kind, owner_id, name, kek_id, wrapped_key, ciphertext, iv, tag)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (tenant_id, owner_kind, owner_id, name) DO UPDATE
           SET kek_id = EXCLUDED.kek_id, wrapped_key = EXCLUDED.wrapped_key, ciphertext = EXCLUDED.ciphertext,
               iv = EXCLUDED.iv, tag = EXCLUDED.tag, rotated_at = now()`,
        [randomUUID(), ref.tenantId, ref.ownerKind, ref.ownerId, name, kekId, wrapped, ciphertext, iv, cipher.getAuthTag()],
      );
    }
  }

  /** Names only: what the API may show. */
  async names(c: pg.PoolClient, ref: CredentialRef): Promise<string[]> {
    const { rows } = await c.query<{ name: string }>(
      'SELECT name FROM api_credentials WHERE tenant_id = $1 AND owner_kind = $2 AND owner_id = $3 ORDER BY name',
      [ref.tenantId, ref.ownerKind, ref.ownerId],
    );
    return rows.map((r) => r.name);
  }

  /** Decrypt every secret of one owner. Values are registered for redaction as they are read. */
  async get(c: pg.PoolClient, ref: CredentialRef): Promise<Record<string, string>> {
    const { rows } = await c.query<{ name: string; kek_id: string; wrapped_key: Buffer; ciphertext: Buffer; iv: Buffer; tag: Buffer }>(
      `SELECT name, kek_id, wrapped_key, ciphertext, iv, tag FROM api_credentials
        WHERE tenant_id = $1 AND owner_kind = $2 AND owner_id = $3`,
      [ref.tenantId, ref.ownerKind, ref.ownerId],
    );
    const out: Record<string, string> = {};
    for (const r of rows) {
      const dataKey = await this.keys.unwrap(r.kek_id, r.wrapped_key);
      try {
        const d = createDecipheriv('aes-256-gcm', dataKey, r.iv);
        d.setAAD(aad(ref, r.name));
        d.setAuthTag(r.tag);
        out[r.name] = Buffer.concat([d.update(r.ciphertext), d.final()]).toString('utf8');
      } catch {
        throw new CredentialDecryptError(`credential "${r.name}" of ${ref.ownerKind} ${ref.ownerId} failed authentication`);
      } finally {
        dataKey.fill(0);
      }
      registerSecret(out[r.name], ref.tenantId);
    }
    return out;
  }

  /** Drop every secret of one owner except `keep`; returns the names dropped. */
  async removeExcept(c: pg.PoolClient, ref: CredentialRef, keep: readonly string[]): Promise<string[]> {
    const { rows } = await c.query<{ name: string }>(
      'DELETE FROM api_credentials WHERE tenant_id = $1 AND owner_kind = $2 AND owner_id = $3 AND NOT (name = ANY($4::text[])) RETURNING name',
      [ref.tenantId, ref.ownerKind, ref.ownerId, [...keep]],
    );
    return rows.map((r) => r.name).sort();
  }

  async remove(c: pg.PoolClient, ref: CredentialRef): Promise<void> {
    await c.query('DELETE FROM api_credentials WHERE tenant_id = $1 AND owner_kind = $2 AND owner_id = $3', [ref.tenantId, ref.ownerKind, ref.ownerId]);
  }
}

/**
 * Re-wrap every data key not under the current master key (all tenants; system context).
 * The secrets themselves are not re-encrypted: only their data keys change wrapping.
 */
export async function rotateMasterKey(db: Db, keys: KeyProvider, batch = 500): Promise<{ rewrapped: number }> {
  let rewrapped = 0;
  for (;;) {
    const n = await withSystem(db, async (c) => {
      const { rows } = await c.query<{ id: string; kek_id: string; wrapped_key: Buffer }>(
        'SELECT id, kek_id, wrapped_key FROM api_credentials WHERE kek_id <> $1 ORDER BY id LIMIT $2 FOR UPDATE',
        [keys.currentKeyId, batch],
      );
      for (const r of rows) {
        const dataKey = await keys.unwrap(r.kek_id, r.wrapped_key);
        try {
          const { kekId, wrapped } = await keys.wrap(dataKey);
          await c.query('UPDATE api_credentials SET kek_id = $2, wrapped_key = $3, rotated_at = now() WHERE id = $1', [r.id, kekId, wrapped]);
        } finally {
          dataKey.fill(0);
        }
      }
      return rows.length;
    });
    rewrapped += n;
    if (n < batch) return { rewrapped };
  }
}
