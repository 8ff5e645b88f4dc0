import { describe, expect, it } from 'vitest';
import { ANONYMOUS_SCOPE, redact, redactText, registerSecret, withSecretScope } from './redact.ts';

describe('scoped redaction', () => {
  it('given a secret registered for tenant A, then text for tenant B keeps it, text for A and process logs scrub it', () => {
    registerSecret('tenant-a-secret-1', 'tenant-a');
    expect(redactText('x tenant-a-secret-1 y', 'tenant-b')).toBe('x tenant-a-secret-1 y');
    expect(redactText('x tenant-a-secret-1 y', ANONYMOUS_SCOPE)).toBe('x tenant-a-secret-1 y');
    expect(redactText('x tenant-a-secret-1 y', 'tenant-a')).toBe('x [REDACTED] y');
    expect(redactText('x tenant-a-secret-1 y')).toBe('x [REDACTED] y');
  });

  it('given the async scope of tenant A, then secrets registered there are A\'s and redaction there uses A\'s', async () => {
    await withSecretScope('tenant-a2', async () => {
      await Promise.resolve();
      registerSecret('issued-token-a2');
      expect(redact({ m: 'issued-token-a2' })).toEqual({ m: '[REDACTED]' });
    });
    expect(withSecretScope('tenant-b2', () => redactText('issued-token-a2'))).toBe('issued-token-a2');
  });

  it('given a process secret, then every scope scrubs it', () => {
    registerSecret('process-master-key-9');
    for (const scope of ['tenant-x', ANONYMOUS_SCOPE, undefined]) expect(redactText('k=process-master-key-9!', scope)).not.toContain('process-master-key-9');
  });
});
