import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../db.ts';
import { startApi, seedTenant, type ApiFixture, type TestTenant } from '../test-support.ts';
import { LocalKeyProvider, MasterKeyError, keyProviderFromEnv } from './key-provider.ts';
import { CredentialDecryptError, CredentialStore, rotateMasterKey } from './store.ts';

let f: ApiFixture;
let t: TestTenant;
const db = () => ({ pool: f.schema.pool, schema: f.schema.schema });

beforeAll(async () => {
  f = await startApi();
  t = await seedTenant(f, 'creds');
});
afterAll(async () => f?.close());

describe('credential envelope encryption', () => {
  it('given secrets stored, then they read back, and each has its own data key (no two ciphertexts or wrapped keys alike)', async () => {
    const store = new CredentialStore(f.keys);
    const ref = { tenantId: t.id, ownerKind: 'migration' as const, ownerId: randomUUID() };
    const secrets = { refreshToken: 'same-value-twice', clientSecret: 'same-value-twice' };
    const back = await withTenant(db(), t.id, async (c) => {
      await store.put(c, ref, secrets);
      return store.get(c, ref);
    });
    expect(back).toEqual(secrets);
    const { rows } = await f.schema.pool.query<{ ciphertext: Buffer; wrapped_key: Buffer; kek_id: string }>(
      'SELECT ciphertext, wrapped_key, kek_id FROM api_credentials WHERE owner_id = $1', [ref.ownerId]);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.ciphertext.equals(rows[1]!.ciphertext)).toBe(false);
    expect(rows[0]!.wrapped_key.equals(rows[1]!.wrapped_key)).toBe(false);
    expect(rows[0]!.kek_id).toBe(f.keys.currentKeyId);
  });

  it('given a ciphertext copied onto another row, then decryption fails authentication', async () => {
    const store = new CredentialStore(f.keys);
    const r1 = { tenantId: t.id, ownerKind: 'migration' as const, ownerId: randomUUID() };
    const r2 = { ...r1, ownerId: randomUUID() };
    await withTenant(db(), t.id, async (c) => {
      await store.put(c, r1, { token: 'victim-secret-value' });
      await store.put(c, r2, { token: 'attacker-value' });
    });
    await f.schema.pool.query(
      `UPDATE api_credentials d SET ciphertext = s.ciphertext, iv = s.iv, tag = s.tag, wrapped_key = s.wrapped_key
         FROM api_credentials s WHERE s.owner_id = $1 AND d.owner_id = $2`, [r1.ownerId, r2.ownerId]);
    await expect(withTenant(db(), t.id, (c) => store.get(c, r2))).rejects.toBeInstanceOf(CredentialDecryptError);
  });

  it('given a new master key with the old one as previous, then rotation re-wraps every data key and secrets still decrypt; the old key alone no longer can', async () => {
    const oldKeys = f.keys;
    const ref = { tenantId: t.id, ownerKind: 'migration' as const, ownerId: randomUUID() };
    await withTenant(db(), t.id, (c) => new CredentialStore(oldKeys).put(c, ref, { apiKey: 'rotate-me-please' }));
    const newMaster = randomBytes(32);
    const rotated = new LocalKeyProvider(newMaster, [randomBytes(32), (oldKeys as unknown as { keys: Map<string, Buffer> }).keys.get(oldKeys.currentKeyId)!]);
    const { rewrapped } = await rotateMasterKey(db(), rotated, 2);
    expect(rewrapped).toBeGreaterThanOrEqual(3);
    const left = await f.schema.pool.query('SELECT count(*)::int AS n FROM api_credentials WHERE kek_id <> $1', [rotated.currentKeyId]);
    expect(left.rows[0].n).toBe(0);
    const newOnly = new LocalKeyProvider(newMaster);
    expect(await withTenant(db(), t.id, (c) => new CredentialStore(newOnly).get(c, ref))).toEqual({ apiKey: 'rotate-me-please' });
    await expect(withTenant(db(), t.id, (c) => new CredentialStore(oldKeys).get(c, ref))).rejects.toBeInstanceOf(MasterKeyError);
  });

  it.each([
    [{}, /not set/],
    [{ NEXUS_MASTER_KEY: 'c2hvcnQ=' }, /32 bytes/],
  ])('given env %j, then the key provider refuses with a clear error', (env, msg) => {
    expect(() => keyProviderFromEnv(env)).toThrow(msg);
  });

  it('given a hex master key and a previous key in the environment, then both ids are accepted', async () => {
    const cur = randomBytes(32);
    const prev = randomBytes(32);
    const p = keyProviderFromEnv({ NEXUS_MASTER_KEY: cur.toString('hex'), NEXUS_MASTER_KEY_PREVIOUS: prev.toString('base64') });
    const old = new LocalKeyProvider(prev);
    const dk = randomBytes(32);
    const w = await old.wrap(dk);
    expect((await p.unwrap(w.kekId, w.wrapped)).equals(dk)).toBe(true);
  });
});
