/**
 * Stand-in for `nexus-migrate agent start` (local UI on), used by the shell contract test: serves
 * the real UI over the FakeAgentApi and a memory secret store, logs its argv and runtime flag to
 * stderr, and shuts down on SIGTERM like the real core must.
 */
import { serveAgentUi } from '../serve-agent-ui.ts';
import { FakeAgentApi } from './fake-agent-api.ts';
import { MemorySecretStore } from './memory-secret-store.ts';

process.stderr.write(`argv=${JSON.stringify(process.argv.slice(2))} ELECTRON_RUN_AS_NODE=${process.env.ELECTRON_RUN_AS_NODE}\n`);
if (process.env.CORE_STUB_FAIL) {
  process.stderr.write('core stub: failing on purpose\n');
  process.exit(3);
}
const ui = await serveAgentUi(new FakeAgentApi('enr_stub_token'), { secrets: new MemorySecretStore() });
if (process.env.CORE_STUB_CRASH_AFTER_READY) setTimeout(() => process.exit(5), 100);
process.once('SIGTERM', () => {
  ui.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
