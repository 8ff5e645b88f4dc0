/** The CLI's subcommands. Each lives in its own file; add one line here to register it. */
import type { Command } from '../command.ts';

export const commands: Command[] = [];
