/**
 * Test support: a KeychainBackend standing in for the OS keychain. In memory, or persisted to a
 * JSON file that lives OUTSIDE the agent's data dir (as the real keychain does), so an agent
 * killed with -9 and restarted finds its identity and job keys again.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { KeychainBackend } from '../../secrets/secret-store.ts';

export function memoryKeychain(file?: string): KeychainBackend {
  const load = (): Record<string, string> => (file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {});
  const mem = load();
  const save = (): void => {
    if (file) writeFileSync(file, JSON.stringify(mem), { mode: 0o600 });
  };
  const k = (service: string, account: string): string => `${service}\u0000${account}`;
  return {
    name: file ? 'test keychain (file)' : 'test keychain (memory)',
    async getPassword(service, account) {
      return mem[k(service, account)] ?? null;
    },
    async setPassword(service, account, secret) {
      mem[k(service, account)] = secret;
      save();
    },
    async deletePassword(service, account) {
      const had = k(service, account) in mem;
      delete mem[k(service, account)];
      save();
      return had;
    },
    async findAccounts(service) {
      return Object.keys(mem).filter((x) => x.startsWith(`${service}\u0000`)).map((x) => x.slice(service.length + 1));
    },
  };
}
