/**
 * The agent's secret store: a narrow interface over the operating system's keychain
 * (Secret Service on Linux, Credential Manager on Windows, Keychain on macOS).
 *
 * Callers depend on `SecretStore` only. The keychain itself sits behind `KeychainBackend`
 * (keychain-backend.ts is the one file that knows which library talks to the OS), and every
 * store built here registers each secret it reads or writes with the log redactor, so the value
 * is scrubbed from any later log line, error or API response.
 */
import { redactText, registerSecret } from '../../shared/log/redact.ts';

/** The keychain service name all agent secrets are filed under. */
export const SECRET_SERVICE = 'nexus-migrate';

export interface SecretStore {
  /** The secret for an account, or null when none is stored. */
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** True when a secret was removed, false when there was none. */
  delete(account: string): Promise<boolean>;
  /** Account names only; never the secrets. */
  list(): Promise<string[]>;
}

/** What an OS keychain library has to provide. Replace keychain-backend.ts to swap it. */
export interface KeychainBackend {
  /** A short name for messages, e.g. "keytar (libsecret)". */
  readonly name: string;
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, secret: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findAccounts(service: string): Promise<string[]>;
}

/** The keychain library could not be loaded at all (missing native module or system library). */
export class SecretStoreUnavailableError extends Error {
  override name = 'SecretStoreUnavailableError';
}

/** A keychain operation failed (no Secret Service running, locked keyring, access denied …). */
export class SecretStoreError extends Error {
  override name = 'SecretStoreError';
  constructor(
    readonly operation: 'get' | 'set' | 'delete' | 'list',
    readonly account: string | null,
    readonly service: string,
    cause: unknown,
  ) {
    const reason = redactText(cause instanceof Error ? cause.message : String(cause));
    const target = account === null ? `service "${service}"` : `account "${account}" of service "${service}"`;
    super(
      `OS keychain ${operation} failed for ${target}: ${reason}. ` +
        'On Linux the agent needs a running, unlocked Secret Service (gnome-keyring or KWallet) on the session D-Bus.',
    );
  }
}

/** A secret or account name the store refuses before it reaches the keychain. */
export class InvalidSecretInputError extends Error {
  override name = 'InvalidSecretInputError';
}

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function checkAccount(account: string): void {
  if (typeof account !== 'string' || account.length === 0 || account.length > 200 || CONTROL_CHARS.test(account)) {
    throw new InvalidSecretInputError(
      `secret account name must be 1-200 printable characters, got ${JSON.stringify(String(account).slice(0, 40))}`,
    );
  }
}

/** Wrap a keychain backend into a SecretStore that validates input and registers every secret. */
export function createSecretStore(backend: KeychainBackend, service: string = SECRET_SERVICE): SecretStore {
  const attempt = async <T>(op: SecretStoreError['operation'], account: string | null, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SecretStoreError || err instanceof InvalidSecretInputError) throw err;
      throw new SecretStoreError(op, account, service, err);
    }
  };
  return {
    async get(account) {
      checkAccount(account);
      const secret = await attempt('get', account, () => backend.getPassword(service, account));
      registerSecret(secret);
      return secret ?? null;
    },
    async set(account, secret) {
      checkAccount(account);
      if (typeof secret !== 'string' || secret.length === 0) {
        throw new InvalidSecretInputError(`refusing to store an empty secret for account "${account}"`);
      }
      registerSecret(secret);
      await attempt('set', account, () => backend.setPassword(service, account, secret));
    },
    async delete(account) {
      checkAccount(account);
      return attempt('delete', account, () => backend.deletePassword(service, account));
    },
    async list() {
      const accounts = await attempt('list', null, () => backend.findAccounts(service));
      return [...accounts].sort();
    },
  };
}
