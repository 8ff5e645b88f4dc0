import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { redactText } from '../../shared/log/redact.ts';
import { loadTransportKey } from './transport-key.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'nexus-tk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('transport key', () => {
  it('given a key in the environment, then it is loaded and its private half is redacted from later text', () => {
    const pair = generateTransportKeyPair();
    expect(loadTransportKey({ env: { NEXUS_TRANSPORT_KEY: JSON.stringify(pair) } })).toEqual(pair);
    expect(redactText(`key=${pair.privateKey}`)).not.toContain(pair.privateKey);
  });

  it('given a key file path with create, then a 0600 file is written once and read back the same afterwards', () => {
    const file = path.join(dir, 'transport.json');
    const first = loadTransportKey({ env: {}, file, create: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadTransportKey({ env: { NEXUS_TRANSPORT_KEY_FILE: file } })).toEqual(first);
  });

  it.each([
    ['nothing configured', {}],
    ['invalid JSON', { NEXUS_TRANSPORT_KEY: '{nope' }],
    ['an Ed25519 key instead of X25519', { NEXUS_TRANSPORT_KEY: '{"publicKey":"MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=","privateKey":"MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF"}' }],
  ])('given %s, then loading fails naming what is wrong', (_n, env) => {
    expect(() => loadTransportKey({ env })).toThrow(/transport key|NEXUS_TRANSPORT_KEY|expected an x25519/);
  });
});
