/**
 * `nexus-migrate new-connector <name> [--style rest] [--label "Acme CRM"]` (also `npm run new-connector -- <name>`):
 * scaffolds connectors/<name>/ and its registry line (connectors/sdk/scaffold.ts). The root is the
 * checkout the CLI runs from.
 */
import { fileURLToPath } from 'node:url';
import { defineCommand } from '../command.ts';
import { scaffoldConnector, ScaffoldError, STYLES } from '../../../connectors/sdk/scaffold.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const newConnectorCommand = defineCommand({
  name: 'new-connector',
  summary: 'Scaffold a connector folder (definition, sandbox emulator, sample stream, mapping stub) and its registry line',
  positionals: [{ name: 'name', description: 'the connector name, lower case with hyphens (e.g. acme-crm)', required: true }],
  options: {
    style: { type: 'string', choices: STYLES, description: 'the template (only rest so far)' },
    label: { type: 'string', value: 'TEXT', description: 'human name (default from the name)' },
  },
  notes: 'The scaffold passes connectors/conformance.test.ts as generated; connectors/README.md walks through the next steps.',
  async run({ flags, positional }) {
    const name = positional[0];
    if (!name) {
      process.stderr.write('usage: nexus-migrate new-connector <name> [--style rest] [--label TEXT]\n');
      return 2;
    }
    try {
      const files = scaffoldConnector(ROOT, name, { style: flags.style, label: flags.label });
      process.stdout.write(`${files.map((f) => `created ${f}`).join('\n').replace('created connectors/registry.ts', 'updated connectors/registry.ts')}\n` +
        `next: npx vitest run connectors/conformance.test.ts -t "conformance: ${name}"\n`);
      return 0;
    } catch (e) {
      if (!(e instanceof ScaffoldError)) throw e;
      process.stderr.write(`new-connector: ${e.message}\n`);
      return 2;
    }
  },
});
