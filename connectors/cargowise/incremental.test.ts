import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigration } from '../../control-plane/engine/run.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { sampleFixture, type SampleFixture } from '../sql/sample/fixtures.ts';
import type { SampleDialect } from '../sql/sample/ddl.ts';
import { SqlSourceConnector } from '../sql/sql-source-connector.ts';

const mappingYaml = readFileSync(new URL('./mapping.yaml', import.meta.url), 'utf8');

describe.each<SampleDialect>(['postgres', 'mysql'])('CargoWise on %s: incremental second run', (dialect) => {
  let src: SampleFixture;
  let env: EngineEnv;
  const q = (name: string) => (dialect === 'postgres' ? `"${name}"` : `\`${name}\``);

  beforeAll(async () => {
    src = await sampleFixture(dialect, 'cargowise', 1200, 11);
    env = await createEngineEnv();
  });
  afterAll(async () => {
    await env?.drop();
    await src?.drop();
  });

  const run = (incremental: boolean) => runMigration({
    pool: env.pool, source: new SqlSourceConnector({ connection: src.connection, platform: 'cargowise' }), mappingYaml,
    vars: { FRANCHISE_ID: env.franchiseId }, tenantId: env.tenantId, targetSchema: env.targetSchema, controlSchema: env.controlSchema,
    mode: 'run', batchSize: 200, incremental, runKey: `inc-${Date.now()}`,
  });

  it('given some organisations changed, some at exactly the previous high-water timestamp, then the incremental run loads exactly those', async () => {
    const full = await run(false);
    expect(full.totals.reconciles).toBe(true);
    const orgs = full.entities.find((e) => e.entity === 'Organization')!;
    const rows = await src.exec(`SELECT ${q('OH_PK')} AS pk FROM ${q('OrgHeader')} ORDER BY ${q('OH_PK')}`);
    const changed = rows.filter((_, i) => i % 10 === 3).map((r) => String(r.pk));
    expect(changed.length, `${rows.length} organisations`).toBeGreaterThanOrEqual(2);
    const hw = (await src.exec(`SELECT MAX(${q('OH_SystemLastEditTimeUtc')}) AS m FROM ${q('OrgHeader')}`))[0]!.m;
    // Half the changed rows keep the high-water timestamp (a tie), half move past it.
    for (const [i, pk] of changed.entries()) {
      const stamp = i % 2 === 0 ? 'm' : 'later';
      const sql = dialect === 'postgres'
        ? `UPDATE "OrgHeader" SET "OH_FullName" = 'Renamed ' || "OH_PK", "OH_SystemLastEditTimeUtc" = ${stamp === 'm' ? '$1' : "$1::timestamp + interval '1 hour'"} WHERE "OH_PK"::text = $2`
        : `UPDATE \`OrgHeader\` SET \`OH_FullName\` = CONCAT('Renamed ', \`OH_PK\`), \`OH_SystemLastEditTimeUtc\` = ${stamp === 'm' ? '?' : 'DATE_ADD(?, INTERVAL 1 HOUR)'} WHERE \`OH_PK\` = ?`;
      await src.exec(sql, [hw, pk]);
    }
    const inc = await run(true);
    expect(inc.totals.reconciles).toBe(true);
    const incOrgs = inc.entities.find((e) => e.entity === 'Organization')!;
    // Exactly the changed rows load; rows re-read at the boundary timestamp are counted as unchanged.
    expect([incOrgs.updated, incOrgs.created, incOrgs.quarantined]).toEqual([changed.length, 0, 0]);
    expect(incOrgs.extracted).toBe(incOrgs.updated + incOrgs.unchanged);
    expect(incOrgs.extracted).toBeLessThan(changed.length + 10);
    for (const e of inc.entities.filter((x) => x.entity !== 'Organization')) expect([e.entity, e.created, e.updated]).toEqual([e.entity, 0, 0]);
    const { rows: names } = await env.pool.query(`SELECT source_id FROM "${env.targetSchema}".accounts WHERE name LIKE 'Renamed %' ORDER BY source_id`);
    expect(names.map((r) => r.source_id).sort()).toEqual([...changed].sort());
    expect(orgs.extracted).toBe(rows.length);
  });
});
