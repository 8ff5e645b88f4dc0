/**
 * `nexus-migrate rotate-master-key [--control-schema nexus_migrate]` (default: NEXUS_CONTROL_SCHEMA, as `serve`)
 * Re-wraps every stored credential's data key under NEXUS_MASTER_KEY (the new key); the old
 * key(s) must be in NEXUS_MASTER_KEY_PREVIOUS. Secrets are never decrypted to the output.
 */
import { defineCommand } from '../../cli/command.ts';
import { DEFAULT_CONTROL_SCHEMA } from '../../cli/engine-options.ts';

export const rotateMasterKeyCommand = defineCommand({
  name: 'rotate-master-key',
  summary: 'Re-wrap stored credentials under a new NEXUS_MASTER_KEY (old key in NEXUS_MASTER_KEY_PREVIOUS)',
  options: { 'control-schema': { type: 'string', value: 'S', description: 'control schema (NEXUS_CONTROL_SCHEMA, else nexus_migrate)' } },
  async run({ flags }) {
    const [{ openDatabase }, { keyProviderFromEnv }, { rotateMasterKey }] = await Promise.all([import('../../db/embedded.ts'), import('./key-provider.ts'), import('./store.ts')]);
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
});
