/** `nexus-migrate emulate <vendor>` as a real child process: wait for its ready line, stop it afterwards. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const BIN = new URL('../../bin/nexus-migrate.mjs', import.meta.url).pathname;

export interface EmulateCli {
  ready: { ready: boolean; vendor: string; url: string; tokenUrl: string; credentials: Record<string, string> };
  stop(): Promise<void>;
}

export async function startEmulateCli(vendor: string, args: string[]): Promise<EmulateCli> {
  const child = spawn(process.execPath, [BIN, 'emulate', vendor, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(force);
  };
  try {
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    return { ready: JSON.parse(line) as EmulateCli['ready'], stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
