/**
 * `nexus-migrate rotate-master-key [--control-schema nexus_control]`
 * Re-wraps every stored credential's data key under NEXUS_MASTER_KEY (the new key); the old
 * key(s) must be in NEXUS_MASTER_KEY_PREVIOUS. Secrets are never decrypted to the output.
 */
import { parseFlags, type Command } from '../../cli/command.ts';
import { openDatabase } from '../../db/embedded.ts';
import { keyProviderFromEnv } from './key-provider.ts';
import { rotateMasterKey } from './store.ts';

export const rotateMasterKeyCommand: Command = {
  name: 'rotate-master-key',
  summary: 'Re-wrap stored credentials under a new NEXUS_MASTER_KEY (old key in NEXUS_MASTER_KEY_PREVIOUS)',
  usage: 'rotate-master-key [--control-schema nexus_control]',
  async run(args) {
    const { flags } = parseFlags(args);
    const schema = typeof flags['control-schema'] === 'string' ? flags['control-schema'] : 'nexus_control';
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
