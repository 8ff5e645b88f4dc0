/**
 * Flag validation (issue 10 point 5): a bad number or an unsafe identifier is a usage error, exit 2,
 * before anything connects; a safe value passes unchanged.
 */
import { describe, expect, it } from 'vitest';
import { main } from './main.ts';
import { identifierFlag, integerFlag, uuidFlag } from './validate.ts';
import { EXIT_CODES } from '../../shared/outcome.ts';

const TENANT = '5b1f6c1e-8d0a-4c39-9d3e-2f1a7b6c5d4e';

async function exitOf(argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((c: string | Uint8Array) => { err += String(c); return true; }) as typeof process.stderr.write;
  try {
    return { code: await main(argv), err };
  } finally {
    process.stderr.write = write;
  }
}

describe('CLI flag validation', () => {
  it.each([
    ['--batch-size abc', ['--batch-size', 'abc'], /--batch-size must be a whole number, got "abc"/],
    ['--batch-size 0', ['--batch-size', '0'], /--batch-size must be between 1 and 100000, got 0/],
    ['--batch-size 1e3', ['--batch-size', '1e3'], /--batch-size must be a whole number/],
    ['a target schema with SQL in it', ['--target-schema', 'x"; drop table accounts; --'], /--target-schema must be a plain identifier/],
    ['a control schema with a space', ['--control-schema', 'nexus migrate'], /--control-schema must be a plain identifier/],
    ['a tenant that is not a uuid', ['--tenant', 'acme'], /--tenant must be an id \(a UUID/],
  ])('given run with %s, then it is refused with a usage error and exit 2', async (_name, flags, message) => {
    const argv = ['run', '--source', 'csv', '--path', '/nonexistent', '--tenant', TENANT, ...flags];
    const r = await exitOf(argv);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(EXIT_CODES.usage);
  });

  it('given dry-run with an unsafe target schema, then it is refused the same way', async () => {
    const r = await exitOf(['dry-run', '--source', 'csv', '--path', '/nonexistent', '--tenant', TENANT, '--target-schema', 'a;b']);
    expect([r.code, /plain identifier/.test(r.err)]).toEqual([2, true]);
  });

  it('given safe values, then the validators return them parsed', () => {
    expect(identifierFlag({ 'target-schema': 'logic_nexus' }, 'target-schema', 'x')).toBe('logic_nexus');
    expect(identifierFlag({}, 'target-schema', 'fallback_1')).toBe('fallback_1');
    expect(integerFlag({ 'batch-size': '500' }, 'batch-size')).toBe(500);
    expect(integerFlag({}, 'batch-size')).toBeUndefined();
    expect(uuidFlag({ tenant: TENANT.toUpperCase() }, 'tenant')).toBe(TENANT);
    expect(() => identifierFlag({ 'target-schema': true }, 'target-schema', 'x')).toThrow(/needs a value/);
  });
});
