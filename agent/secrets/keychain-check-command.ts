/**
 * `nexus-migrate keychain check`: prove on this machine that the agent can store, read and delete
 * a secret in the OS keychain (libsecret + Secret Service on Linux). For installation support.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from '../../control-plane/cli/command.ts';

export const keychainCheckCommand: Command = {
  name: 'keychain check',
  summary: 'Round-trip a throwaway secret through the OS keychain the agent uses',
  options: {},
  async run(): Promise<number> {
    const { openSecretStore } = await import('./open-secret-store.ts');
    const account = `probe:${randomBytes(6).toString('hex')}`;
    const probe = randomBytes(18).toString('base64url');
    let stored = false;
    try {
      const store = await openSecretStore();
      await store.set(account, probe);
      stored = true;
      const back = await store.get(account);
      const deleted = await store.delete(account);
      stored = !deleted;
      const ok = back === probe && deleted && (await store.get(account)) === null;
      process.stdout.write(JSON.stringify({ ok, readBack: back === probe, deleted }) + '\n');
      return ok ? 0 : 1;
    } catch (err) {
      const e = err as Error;
      process.stdout.write(JSON.stringify({ ok: false, error: { name: e.name, message: e.message } }) + '\n');
      return 1;
    } finally {
      if (stored) await openSecretStore().then((s) => s.delete(account)).catch(() => false);
    }
  },
};
