/** Render a RunReport as a PDF (pdfkit): summary, the per-entity counts table, warnings, quarantine sample, timings. */
import PDFDocument from 'pdfkit';
import { redactText } from '../../shared/log/redact.ts';
import type { RunReport } from './types.ts';
import { COUNT_COLUMNS, decided, fmtDuration, fmtInt, outcomeBanner, reconciles, retryLines, summaryFacts, title, warningSections } from './format.ts';
import { entityState } from './outcome.ts';

/** Characters beyond Latin-1 that WinAnsi (the standard PDF fonts' encoding) still has. */
const WINANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const ASCII_FOR: Record<string, string> = { '→': '->', '←': '<-', '⇒': '=>', '≥': '>=', '≤': '<=', '✓': 'ok', '✗': 'x' };

/** The built-in Helvetica only encodes WinAnsi: spell other characters in ASCII, or '?' (never garbage glyphs). */
export function pdfSafe(text: string): string {
  let out = '';
  for (const ch of redactText(text)) {
    const code = ch.codePointAt(0)!;
    out += code <= 0xff || WINANSI_EXTRA.has(ch) ? ch : (ASCII_FOR[ch] ?? '?');
  }
  return out;
}

export interface PdfOptions {
  /** Compress page streams (default true). Tests turn it off to read the text. */
  compress?: boolean;
  /** Lines shown per warning section and quarantine rows (default 25). */
  maxLines?: number;
}

export async function renderReportPdf(report: RunReport, opts: PdfOptions = {}): Promise<Buffer> {
  const r = decided(report);
  const max = opts.maxLines ?? 25;
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 36, compress: opts.compress ?? true, info: { Title: title(r), Creator: 'nexus-migrate' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const ensure = (h: number): void => {
    if (doc.y + h > doc.page.height - doc.page.margins.bottom) doc.addPage();
  };
  const heading = (t: string): void => {
    ensure(40);
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).fillColor('#1d2433').text(t, left, doc.y, { width });
    doc.moveDown(0.3).font('Helvetica').fontSize(9);
  };

  doc.font('Helvetica-Bold').fontSize(16).text(pdfSafe(title(r)), { width });
  const banner = outcomeBanner(r);
  const tone = { ok: '#067647', amber: '#b54708', red: '#b42318' }[banner.tone];
  doc.moveDown(0.3).font('Helvetica-Bold').fontSize(12).fillColor(tone).text(pdfSafe(banner.text), { width }).fillColor('#1d2433');
  for (const l of retryLines(r)) doc.font('Helvetica').fontSize(9).text(pdfSafe(l), { width });
  if (r.error) doc.moveDown(0.3).font('Helvetica').fontSize(10).fillColor('#b42318').text(pdfSafe(`Error: ${r.error}`), { width }).fillColor('#1d2433');
  doc.moveDown(0.5).font('Helvetica').fontSize(9);
  const facts = summaryFacts(r);
  const colW = width / 3;
  for (let i = 0; i < facts.length; i += 3) {
    const y = doc.y;
    facts.slice(i, i + 3).forEach(([k, v], j) => {
      doc.font('Helvetica-Bold').text(`${k}: `, left + j * colW, y, { continued: true, width: colW - 6, lineBreak: false }).font('Helvetica').text(pdfSafe(v), { lineBreak: false });
    });
    doc.x = left;
    doc.y = y + 13;
  }

  heading('Records per entity');
  const cols = ['Entity', 'Target', ...COUNT_COLUMNS, 'Reconciles', 'State'];
  const widths = [130, 110, ...COUNT_COLUMNS.map(() => (width - 130 - 110 - 60 - 50) / COUNT_COLUMNS.length), 60, 50];
  const stateWord = { ok: 'ok', issues: 'ISSUES', failed: 'FAILED' } as const;
  const row = (cells: string[], bold = false): void => {
    ensure(14);
    const y = doc.y;
    let x = left;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    cells.forEach((c, i) => {
      const numeric = i >= 2 && i < 2 + COUNT_COLUMNS.length;
      doc.text(pdfSafe(c), x + 2, y, { width: widths[i]! - 4, align: numeric ? 'right' : 'left', lineBreak: false, ellipsis: true });
      x += widths[i]!;
    });
    doc.x = left;
    doc.y = y + 13;
  };
  row(cols, true);
  doc.moveTo(left, doc.y - 2).lineTo(left + width, doc.y - 2).strokeColor('#1d2433').lineWidth(0.5).stroke();
  for (const c of r.entities) row([c.entity, c.target, ...COUNT_COLUMNS.map((k) => fmtInt(c[k])), reconciles(c) ? 'yes' : 'NO', stateWord[entityState(c, r.maxQuarantineShare)]]);
  doc.moveTo(left, doc.y - 2).lineTo(left + width, doc.y - 2).stroke();
  row(['Total', '', ...COUNT_COLUMNS.map((k) => fmtInt(r.totals[k])), reconciles(r.totals) ? 'yes' : 'NO', ''], true);

  heading('Warnings');
  for (const s of warningSections(r)) {
    ensure(24);
    doc.font('Helvetica-Bold').fontSize(10).text(pdfSafe(`${s.title} (${s.lines.length})`), left, doc.y, { width });
    doc.font('Helvetica').fontSize(9);
    if (s.lines.length === 0) doc.fillColor('#5a6478').text('None.', { width }).fillColor('#1d2433');
    for (const l of s.lines.slice(0, max)) {
      ensure(12);
      doc.text(pdfSafe(`• ${l}`), left + 8, doc.y, { width: width - 8 });
    }
    if (s.lines.length > max) doc.text(`… and ${s.lines.length - max} more (see the HTML or JSON report)`, left + 8, doc.y, { width: width - 8 });
    doc.moveDown(0.3);
  }

  heading(`Quarantine sample (${r.quarantineSample.length})`);
  if (r.quarantineSample.length === 0) doc.text('No quarantined records.', left, doc.y, { width });
  for (const q of r.quarantineSample.slice(0, max)) {
    ensure(12);
    doc.text(pdfSafe(`${q.entity} ${q.sourceId ?? '—'}${q.field ? ` [${q.field}]` : ''}: ${q.reason}`), left, doc.y, { width });
  }

  heading('Timings');
  for (const [k, v] of Object.entries(r.timings)) doc.text(pdfSafe(`${k}: ${fmtDuration(v)}`), left, doc.y, { width });
  doc.text(`Throughput: ${fmtInt(r.throughput.recordsPerSecond)} records/s over ${fmtDuration(r.durationSeconds)}`, left, doc.y, { width });
  doc.end();
  return done;
}
