/** Runs `keychain check` the way the CLI would, for keychain-check-command.test.ts. */
import { keychainCheckCommand } from '../keychain-check-command.ts';

process.exitCode = await keychainCheckCommand.run([]);
