/**
 * A plain PDF rendering of a RunReport, used when control-plane/report/pdf.ts (another engineer's
 * richer renderer) is not available. Uncompressed, so the counts are searchable text.
 */
import PDFDocument from 'pdfkit';
import type { RunReport } from '../report/types.ts';

export function renderBasicPdf(report: RunReport): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 48, compress: false, info: { Title: `Migration report ${report.runId}` } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(18).text('nexus-migrate run report');
    doc.moveDown(0.5).fontSize(10);
    doc.text(`Run ${report.runId} (${report.mode}) - ${report.status}`);
    doc.text(`Source: ${report.sourceSystem}   Started: ${report.startedAt}   Finished: ${report.finishedAt ?? '-'}`);
    doc.text(`Duration: ${report.durationSeconds.toFixed(1)} s   Throughput: ${report.throughput.recordsPerSecond.toFixed(1)} records/s`);
    doc.moveDown();
    doc.fontSize(12).text('Entities');
    doc.fontSize(9);
    for (const e of report.entities) {
      doc.text(
        `${e.entity} -> ${e.target}: extracted ${e.extracted}, created ${e.created}, updated ${e.updated}, unchanged ${e.unchanged}, ` +
          `deleted ${e.deleted}, quarantined ${e.quarantined}, skipped ${e.skipped}${e.reconciles ? '' : ' (does not reconcile)'}`,
      );
    }
    const t = report.totals;
    doc.moveDown().fontSize(10).text(
      `Totals: extracted ${t.extracted}, created ${t.created}, updated ${t.updated}, unchanged ${t.unchanged}, deleted ${t.deleted}, quarantined ${t.quarantined}, skipped ${t.skipped}`,
    );
    if (report.error) doc.moveDown().text(`Error: ${report.error}`);
    doc.end();
  });
}
