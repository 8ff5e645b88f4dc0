/** The CLI's subcommands. Each lives in its own file; add one line here to register it. */
import type { Command } from '../command.ts';

export const commands: Command[] = [];
import { emulateCommand } from './emulate.ts'; commands.push(emulateCommand);
import { keychainCheckCommand } from '../../../agent/secrets/keychain-check-command.ts'; commands.push(keychainCheckCommand);
import { agentCommands } from './agent.ts'; commands.push(...agentCommands);
import { serveCommand } from './serve.ts'; commands.push(serveCommand);
import { bundleCommands } from './bundle.ts'; commands.push(...bundleCommands);
import { engineCommands } from './engine.ts'; commands.push(...engineCommands);
import { sampleDbCommand } from './sample-db.ts'; commands.push(sampleDbCommand);
import { agentCheckSourceCommand } from './agent-check-source.ts'; commands.push(agentCheckSourceCommand);
import { demoCommand } from './demo.ts'; commands.push(demoCommand);
import { benchCommand } from './bench.ts'; commands.push(benchCommand);
import { rotateMasterKeyCommand } from '../../api/credentials/rotate-command.ts'; commands.push(rotateMasterKeyCommand);
import { auditCommands } from './audit.ts'; commands.push(...auditCommands);
import { workerCommand } from './worker.ts'; commands.push(workerCommand);
import { quarantineExportCommand } from './quarantine.ts'; commands.push(quarantineExportCommand);
import { newConnectorCommand } from './new-connector.ts'; commands.push(newConnectorCommand);
