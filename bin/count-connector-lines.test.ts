/** connectors/README.md prints the vendor code size with the command that produces it; this keeps the figure true. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);

describe('count-connector-lines', () => {
  it("given connectors/README.md, then its vendor code figure is the counter's output and it names the command", () => {
    const run = spawnSync(process.execPath, ['bin/count-connector-lines.mjs', '--json'], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const counted = JSON.parse(run.stdout) as { total: number; vendors: { vendor: string; own: number; soloSdkLines: number }[] };
    expect(counted.vendors.map((v) => v.vendor)).toEqual(['salesforce', 'dynamics', 'hubspot']);
    const readme = readFileSync(new URL('connectors/README.md', root), 'utf8');
    expect(readme).toContain('    node bin/count-connector-lines.mjs\n');
    const printed = /\*\*([\d,]+) lines\*\* of vendor code/.exec(readme)?.[1];
    expect(printed, 'the README prints "**N lines** of vendor code"').toBeDefined();
    expect(Number(printed!.replaceAll(',', ''))).toBe(counted.total);
    for (const v of counted.vendors) expect(readme).toContain(`${v.vendor} ${(v.own + v.soloSdkLines).toLocaleString('en-US')}`);
  });
});
