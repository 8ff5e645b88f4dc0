/**
 * The real OS keychain for tests: keytar against the gnome-keyring Secret Service that
 * `npm test` starts (test/with-keyring.mjs). Each caller gets its own keychain service name, so
 * concurrent tests never see each other's secrets.
 */
import { randomBytes } from 'node:crypto';
import { loadKeychainBackend } from '../../agent/secrets/keychain-backend.ts';
import { createSecretStore, type SecretStore } from '../../agent/secrets/secret-store.ts';

export function uniqueKeychainService(): string {
  return `nexus-migrate-test-${randomBytes(5).toString('hex')}`;
}

export async function testSecretStore(service = uniqueKeychainService()): Promise<SecretStore & { service: string }> {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
    throw new Error('no D-Bus session: run the tests through `npm test` (test/with-keyring.mjs starts gnome-keyring)');
  }
  return Object.assign(createSecretStore(await loadKeychainBackend(), service), { service });
}
