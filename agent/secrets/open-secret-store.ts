/** The factory the agent calls: load the OS keychain backend and wrap it in a SecretStore. */
import { loadKeychainBackend, keychainUnavailable } from './keychain-backend.ts';
import { createSecretStore, SECRET_SERVICE, SecretStoreUnavailableError, type KeychainBackend, type SecretStore } from './secret-store.ts';

export interface OpenSecretStoreOptions {
  /** Keychain service name; 'nexus-migrate' unless a test or a second agent needs its own. */
  service?: string;
  /** Backend loader; defaults to the OS keychain (keychain-backend.ts). */
  load?: () => Promise<KeychainBackend>;
}

export async function openSecretStore(opts: OpenSecretStoreOptions = {}): Promise<SecretStore> {
  const load = opts.load ?? loadKeychainBackend;
  let backend: KeychainBackend;
  try {
    backend = await load();
  } catch (err) {
    throw err instanceof SecretStoreUnavailableError ? err : keychainUnavailable(err);
  }
  return createSecretStore(backend, opts.service ?? SECRET_SERVICE);
}
