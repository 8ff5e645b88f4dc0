/**
 * Child process for the browser test: the real UI server over the real OS keychain (run inside a
 * keyring session) and the FakeAgentApi, steered through JSON lines on stdin. Prints the UI ready
 * line, then one JSON reply per command. Ends when stdin closes.
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { openSecretStore } from '../../secrets/open-secret-store.ts';
import { formatUiReadyLine, type JobProgress, type SpoolLevel } from '../agent-api.ts';
import { SOURCE_PASSWORD_ACCOUNT, startUiServer } from '../ui-server.ts';
import { FakeAgentApi } from './fake-agent-api.ts';

type Command =
  | { cmd: 'progress'; jobs: JobProgress[] }
  | { cmd: 'spool'; spool: SpoolLevel }
  | { cmd: 'secret-digest'; account: string }
  | { cmd: 'calls' };

const secrets = await openSecretStore();
const agent = new FakeAgentApi(process.env.ENROLL_TOKEN ?? 'enr_test_token');
const ui = await startUiServer({ agent, secrets });
process.stdout.write(formatUiReadyLine(ui) + '\n');

const lines = createInterface({ input: process.stdin });
try {
  for await (const line of lines) {
    if (!line.trim()) continue;
    const c = JSON.parse(line) as Command;
    let reply: unknown;
    switch (c.cmd) {
      case 'progress':
        agent.jobs = c.jobs;
        reply = { ok: true };
        break;
      case 'spool':
        agent.spool = c.spool;
        reply = { ok: true };
        break;
      case 'secret-digest': {
        const s = await secrets.get(c.account);
        reply = { sha256: s === null ? null : createHash('sha256').update(s).digest('hex') };
        break;
      }
      case 'calls':
        reply = { calls: agent.calls };
        break;
    }
    process.stdout.write(JSON.stringify({ reply }) + '\n');
  }
} finally {
  await secrets.delete(SOURCE_PASSWORD_ACCOUNT);
  await ui.close();
}
