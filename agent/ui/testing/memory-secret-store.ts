/** Test double of the SecretStore for UI unit tests; the real one is tested in agent/secrets. */
import type { SecretStore } from '../../secrets/secret-store.ts';

export class MemorySecretStore implements SecretStore {
  readonly map = new Map<string, string>();
  async get(account: string): Promise<string | null> {
    return this.map.get(account) ?? null;
  }
  async set(account: string, secret: string): Promise<void> {
    this.map.set(account, secret);
  }
  async delete(account: string): Promise<boolean> {
    return this.map.delete(account);
  }
  async list(): Promise<string[]> {
    return [...this.map.keys()].sort();
  }
}
