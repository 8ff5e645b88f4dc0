/** Runs `keychain check` the way the CLI would, for keychain-check-command.test.ts. */
import { runCommand } from '../../../control-plane/cli/command.ts';
import { keychainCheckCommand } from '../keychain-check-command.ts';

process.exitCode = await runCommand(keychainCheckCommand, []);
