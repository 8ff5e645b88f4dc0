/** CLI corpus cases: real `bin/nexus-migrate.mjs run` processes given bad flags, unsafe identifiers and bad mappings. */
import type { CorpusCase } from './types.ts';
import { acct, person } from './cases-csv.ts';

const rows = { acct: [acct('a1'), acct('a2')], person: [person('p1', 'a1')] };
const flag = (name: string, args: string[], refused: RegExp, exit = 2): CorpusCase => ({ name, via: 'cli', rows, cli: { args, exit }, refused });

export const cliCases: CorpusCase[] = [
  { name: 'clean accounts and contacts: dry run, run and rollback through the CLI', via: 'cli', rows, cli: { out: /completed/ } },
  flag('a target schema carrying SQL (x"; drop table …)', ['--target-schema', 'x"; drop table accounts; --'], /--target-schema must be a plain identifier/),
  flag('a control schema with a space in it', ['--control-schema', 'nexus migrate'], /--control-schema must be a plain identifier/),
  flag('a tenant that is not a UUID', ['--tenant', 'not-a-uuid'], /--tenant must be an id \(a UUID/),
  flag('a franchise that is not a UUID', ['--franchise', "1' OR '1'='1"], /--franchise must be an id \(a UUID/),
  { ...flag('no tenant at all (and no TENANT_ID)', [], /--tenant is required/), cli: { exit: 2, dropTenantFlag: true } },
  flag('batch size 0', ['--batch-size', '0'], /--batch-size must be between 1 and 100000, got 0/),
  flag('batch size -1', ['--batch-size=-1'], /--batch-size must be a whole number, got "-1"/),
  flag('batch size abc', ['--batch-size', 'abc'], /--batch-size must be a whole number, got "abc"/),
  flag('batch size 2.5', ['--batch-size', '2.5'], /--batch-size must be a whole number/),
  flag('an unknown source', ['--source', 'nosuch'], /unknown source 'nosuch'.*Known sources: csv/),
  flag('a source nickname (sfdc)', ['--source', 'sfdc'], /unknown source 'sfdc'; did you mean 'salesforce'\?/),
  flag('an unknown flag', ['--bach-size', '10'], /unknown option --bach-size.*--batch-size/),
  flag('a mapping variable without a name', ['--vars', '=x'], /--vars entries look like NAME=value/),
  flag('a CSV folder that does not exist', ['--path', '/nonexistent/corpus'], /\/nonexistent\/corpus/, 1),
  flag('a mapping file that does not exist', ['--mapping', '/nonexistent/mapping.yaml'], /no such file or folder: \/nonexistent\/mapping\.yaml/, 1),
  { ...flag('a mapping from: naming a column the source lacks', [], /telephone/, 4), mapping: { entities: { acct: { fields: { phone: 'telephone' } } } } },
  { ...flag('a mapping declaring an unknown type', [], /entities\.acct\.fields\.employee_count\.type: Invalid enum value\. Expected 'text' \| 'integer'.*received 'whole-number'/, 1), mapping: { entities: { acct: { fields: { employee_count: { from: 'employees', type: 'whole-number' } } } } } },
  { ...flag('a tenant the target does not hold (no --create-tenant)', [], /tenant .* does not exist|--create-tenant/, 4), cli: { exit: 4, newTenant: true } },
];
