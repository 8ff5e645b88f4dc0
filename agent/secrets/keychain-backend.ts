/**
 * The only file that knows which library talks to the OS keychain. Today: keytar, built against
 * libsecret on Linux. To move to @napi-rs/keyring or Electron safeStorage, rewrite this file so
 * `loadKeychainBackend` returns a `KeychainBackend` over the new library; nothing else changes.
 *
 * keytar is an optional dependency. If it cannot load, the agent stops with a message naming the
 * missing system library; it never falls back to storing credentials in a plaintext file.
 */
import { SecretStoreUnavailableError, type KeychainBackend } from './secret-store.ts';

type Keytar = typeof import('keytar');

export async function loadKeychainBackend(): Promise<KeychainBackend> {
  let keytar: Keytar;
  try {
    const mod = (await import('keytar')) as Keytar & { default?: Keytar };
    keytar = mod.default ?? mod;
  } catch (err) {
    throw keychainUnavailable(err);
  }
  return {
    name: 'keytar (libsecret / Credential Manager / Keychain)',
    getPassword: (service, account) => keytar.getPassword(service, account),
    setPassword: (service, account, secret) => keytar.setPassword(service, account, secret),
    deletePassword: (service, account) => keytar.deletePassword(service, account),
    async findAccounts(service) {
      const creds = await keytar.findCredentials(service);
      return creds.map((c) => c.account);
    },
  };
}

/** The error raised when the keychain module cannot be loaded, naming what to install. */
export function keychainUnavailable(cause: unknown): SecretStoreUnavailableError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new SecretStoreUnavailableError(
    `OS keychain unavailable: the optional module "keytar" failed to load (${reason}). ` +
      'On Linux it needs the libsecret system library (Debian/Ubuntu: apt-get install libsecret-1-0; ' +
      'RHEL/Fedora: dnf install libsecret) and a Secret Service such as gnome-keyring. ' +
      'The agent does not store credentials in plaintext files, so it cannot continue without a keychain.',
  );
}
