// Validate installer/electron-builder.yml against electron-builder's own JSON schema.
// Needs agent/electron/node_modules (run agent/electron/typecheck.sh, which calls this).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
// ajv and js-yaml come with electron-builder itself, in the shell's own node_modules.
const shellRequire = createRequire(join(repo, 'agent/electron/package.json'));
const Ajv = shellRequire('ajv').default ?? shellRequire('ajv');
const yaml = shellRequire('js-yaml');
const schemaPath = join(repo, 'agent/electron/node_modules/app-builder-lib/scheme.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
const config = yaml.load(readFileSync(join(repo, 'installer/electron-builder.yml'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
if (!validate(config)) {
  for (const e of validate.errors ?? []) console.error(`electron-builder.yml${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`);
  process.exit(1);
}
console.log('installer/electron-builder.yml: valid against electron-builder scheme.json');
