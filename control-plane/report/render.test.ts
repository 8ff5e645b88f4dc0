import { describe, expect, it } from 'vitest';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { registerSecret } from '../../shared/log/redact.ts';
import type { EntityCounts, RunReport } from './types.ts';
import { renderReportHtml } from './html.ts';
import { renderReportPdf } from './pdf.ts';

function counts(entity: string, target: string, c: Partial<EntityCounts>): EntityCounts {
  const base = { extracted: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, quarantined: 0, skipped: 0, ...c };
  return { entity, target, ...base, reconciles: base.extracted === base.created + base.updated + base.unchanged + base.deleted + base.quarantined + base.skipped };
}

const SECRET = 'hunter2-very-secret-token';
registerSecret(SECRET);

function report(): RunReport {
  const entities = [counts('Account', 'accounts', { extracted: 1301, created: 1297, quarantined: 3, skipped: 1 }), counts('Contact', 'contacts', { extracted: 2600, created: 2590, updated: 7, quarantined: 3 })];
  const totals = { extracted: 3901, created: 3887, updated: 7, unchanged: 0, deleted: 0, quarantined: 6, skipped: 1, reconciles: true };
  return {
    runId: 'run-42', migrationId: 'mig-7', mode: 'run', status: 'completed', sourceSystem: 'demo', tenantId: 't-1', targetSchema: 'ln',
    startedAt: '2026-11-25T13:00:00.000Z', finishedAt: '2026-11-25T13:00:12.500Z', durationSeconds: 12.5, entities, totals,
    warnings: {
      unmappedFields: [{ entity: 'Account', fields: ['Legacy_Code__c'] }],
      unmappedPicklistValues: [{ entity: 'Opportunity', field: 'StageName', value: 'Verbal Commit', count: 17, policy: 'default' }],
      unmatchedOwners: [{ sourceUserId: 'USR-00021', email: 'x@old-system.example', count: 44, assignedTo: 'admin@demo.example' }],
      orphans: [{ entity: 'Contact', field: 'AccountId', count: 1, policy: 'quarantine', sample: ['CON-00200 → Account ACC-99999'] }],
      other: [`connection used password=${SECRET}`],
    },
    quarantineSample: [{ entity: 'Contact', sourceId: 'CON-00100', field: 'Email', reason: 'Email longer than 320 <script>alert(1)</script>' }],
    throughput: { recordsPerSecond: 312.08 },
    timings: { extract: 4.2, load: 6.1 },
  };
}

async function pdfText(buf: Buffer): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(buf), useSystemFonts: false, disableFontFace: true, verbosity: 0 }).promise;
  const parts: string[] = [];
  for (let p = 1; p <= pdf.numPages; p++) {
    const content = await (await pdf.getPage(p)).getTextContent();
    parts.push(content.items.map((i) => ('str' in i ? i.str : '')).join(' '));
  }
  await pdf.destroy();
  return parts.join('\n');
}

describe('report rendering', () => {
  it('given a run report, then the HTML is self-contained, escaped, redacted and shows counts that reconcile', () => {
    const html = renderReportHtml(report());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain(SECRET);
    for (const n of ['1,301', '1,297', '2,590', '3,901', '3,887']) expect(html).toContain(`<td class="n">${n}</td>`);
    expect(html).toContain('Verbal Commit');
    expect(html).toContain('USR-00021');
    expect(html).toContain('CON-00200 → Account ACC-99999');
    expect(html).not.toContain('>NO<');
  });

  it('given a report whose counts do not add up, then both renderings flag it', async () => {
    const r = report();
    r.entities[0]!.created = 1200;
    const html = renderReportHtml(r);
    expect(html).toContain('class="bad">NO<');
    expect(await pdfText(await renderReportPdf(r))).toMatch(/Reconciles:\s*NO/);
  });

  it('given a run report, then the PDF starts with %PDF and its text holds the same counts and warnings', async () => {
    const buf = await renderReportPdf(report(), { compress: false });
    expect(buf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(buf);
    for (const n of ['1,301', '1,297', '2,590', '3,901', '3,887', 'Verbal Commit', 'CON-00100', 'records/s']) expect(text).toContain(n);
    // Characters the built-in font cannot encode are spelled in ASCII, not garbled.
    expect(text).toContain('CON-00200 -> Account ACC-99999');
    expect(text).not.toContain(SECRET);
  });
});
