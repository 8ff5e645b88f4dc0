/**
 * `nexus-migrate rotate-master-key [--control-schema nexus_migrate]` (default: NEXUS_CONTROL_SCHEMA, as `serve`)
 * Re-wraps every stored credential's data key under NEXUS_MASTER_KEY (the new key); the old
 * key(s) must be in NEXUS_MASTER_KEY_PREVIOUS. Secrets are never decrypted to the output.
 */
import { parseFlags, type Command } from '../../cli/command.ts';
import { DEFAULT_CONTROL_SCHEMA } from '../../cli/engine-options.ts';
import { openDatabase } from '../../db/embedded.ts';
import { keyProviderFromEnv } from './key-provider.ts';
import { rotateMasterKey } from './store.ts';

export const rotateMasterKeyCommand: Command = {
  name: 'rotate-master-key',
  summary: 'Re-wrap stored credentials under a new NEXUS_MASTER_KEY (old key in NEXUS_MASTER_KEY_PREVIOUS)',
  usage: 'rotate-master-key [--control-schema nexus_migrate]',
  async run(args) {
    const { flags } = parseFlags(args);
    const schema = typeof flags['control-schema'] === 'string' ? flags['control-schema'] : DEFAULT_CONTROL_SCHEMA;
    const keys = keyProviderFromEnv();
    const db = await openDatabase();
    try {
      const { rewrapped } = await rotateMasterKey({ pool: db.pool, schema }, keys);
      process.stdout.write(JSON.stringify({ ok: true, rewrapped, kekId: keys.currentKeyId }) + '\n');
      return 0;
    } finally {
      await db.close();
    }
  },
};
