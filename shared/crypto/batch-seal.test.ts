import { describe, expect, it } from 'vitest';
import {
  BatchIntegrityError,
  authenticateBatch,
  KeyUnwrapError,
  createDataKey,
  generateIdentityKeyPair,
  generateTransportKeyPair,
  openBatch,
  sealBatch,
  signChallenge,
  unwrapDataKey,
  verifyChallenge,
  wrapDataKey,
} from './index.ts';
import type { RecordBatch } from '../record-batch.ts';

const batch: RecordBatch = {
  v: 1,
  sourceSystem: 'postgres',
  entity: 'OrgHeader',
  seq: 7,
  records: [
    { sourceId: '1', op: 'upsert', fields: { name: 'Acme Freight', qty: 3, ok: true, at: '2024-01-02T03:04:05Z', tags: ['a'], nested: { x: null } } },
    { sourceId: '2', op: 'delete', fields: {} },
  ],
  checkpoint: { after: '2' },
  final: false,
};
const bind = { jobId: 'job-1', entity: 'OrgHeader', seq: 7 };

describe('batch sealing', () => {
  it('given a sealed batch, then opening it with the same key and binding returns the same batch', () => {
    const key = createDataKey();
    const sealed = sealBatch(batch, key, 'job-1');
    expect(openBatch(sealed, key, bind)).toEqual(batch);
    // Not plaintext: the company name must not appear in the sealed bytes.
    expect(sealed.includes(Buffer.from('Acme Freight'))).toBe(false);
  });

  it.each([
    ['a flipped ciphertext byte', (b: Buffer) => { b[b.length - 1]! ^= 1; return b; }, bind],
    ['a flipped tag byte', (b: Buffer) => { b[20]! ^= 1; return b; }, bind],
    ['a truncated body', (b: Buffer) => b.subarray(0, b.length - 3), bind],
    ['another sequence number', (b: Buffer) => b, { ...bind, seq: 8 }],
    ['another entity', (b: Buffer) => b, { ...bind, entity: 'Other' }],
    ['another job', (b: Buffer) => b, { ...bind, jobId: 'job-2' }],
  ])('given %s, then opening throws BatchIntegrityError', (_name, tamper, binding) => {
    const key = createDataKey();
    const sealed = tamper(Buffer.from(sealBatch(batch, key, 'job-1')));
    expect(() => openBatch(sealed, key, binding)).toThrow(BatchIntegrityError);
    expect(() => authenticateBatch(sealed, key, binding)).toThrow(BatchIntegrityError);
  });

  it('given the wrong data key, then opening throws BatchIntegrityError naming the batch', () => {
    const sealed = sealBatch(batch, createDataKey(), 'job-1');
    expect(() => openBatch(sealed, createDataKey(), bind)).toThrow(/job-1\/OrgHeader#7/);
  });
});

describe('data key wrapping', () => {
  it('given a key wrapped for the control plane, then only its private key unwraps it and only for that job', () => {
    const cp = generateTransportKeyPair();
    const other = generateTransportKeyPair();
    const key = createDataKey();
    const wrapped = wrapDataKey(key, cp.publicKey, 'job-1');
    expect(unwrapDataKey(wrapped, cp, 'job-1').equals(key)).toBe(true);
    expect(() => unwrapDataKey(wrapped, other, 'job-1')).toThrow(KeyUnwrapError);
    expect(() => unwrapDataKey(wrapped, cp, 'job-2')).toThrow(KeyUnwrapError);
    expect(() => unwrapDataKey({ ...wrapped, ct: Buffer.alloc(48, 1).toString('base64') }, cp, 'job-1')).toThrow(KeyUnwrapError);
  });
});

describe('agent identity', () => {
  it('given a challenge signed by the agent key, then it verifies only for that agent, nonce and key', () => {
    const id = generateIdentityKeyPair();
    const other = generateIdentityKeyPair();
    const sig = signChallenge(id.privateKey, 'agent-1', 'nonce-1');
    expect(verifyChallenge(id.publicKey, 'agent-1', 'nonce-1', sig)).toBe(true);
    expect(verifyChallenge(id.publicKey, 'agent-1', 'nonce-2', sig)).toBe(false);
    expect(verifyChallenge(id.publicKey, 'agent-2', 'nonce-1', sig)).toBe(false);
    expect(verifyChallenge(other.publicKey, 'agent-1', 'nonce-1', sig)).toBe(false);
    expect(verifyChallenge('garbage', 'agent-1', 'nonce-1', sig)).toBe(false);
  });
});
