/** The CLI's subcommands. Each lives in its own file; add one line here to register it. */
import type { Command } from '../command.ts';

export const commands: Command[] = [];
import { emulateCommand } from './emulate.ts'; commands.push(emulateCommand);
import { keychainCheckCommand } from '../../../agent/secrets/keychain-check-command.ts'; commands.push(keychainCheckCommand);
import { agentCommands } from './agent.ts'; commands.push(...agentCommands);
import { serveCommand } from './serve.ts'; commands.push(serveCommand);
import { bundleCommands } from './bundle.ts'; commands.push(...bundleCommands);
