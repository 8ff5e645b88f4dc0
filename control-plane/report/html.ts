/** Render a RunReport as one self-contained HTML page (inline CSS, no scripts, no external assets). */
import { redactText } from '../../shared/log/redact.ts';
import type { RunReport } from './types.ts';
import { COUNT_COLUMNS, decided, fmtDuration, fmtInt, outcomeBanner, reconciles, retryLines, summaryFacts, title, warningSections } from './format.ts';
import { ENTITY_MARK, entityState } from './outcome.ts';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
const e = (s: string): string => escapeHtml(redactText(s));

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d2433;margin:2rem auto;max-width:1100px;padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:2rem 0 .5rem;border-bottom:1px solid #d8dde6;padding-bottom:.25rem}
table{border-collapse:collapse;width:100%}th,td{padding:.35rem .6rem;border-bottom:1px solid #e6e9ef;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tfoot td{font-weight:600;border-top:2px solid #1d2433}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:.25rem 1.5rem}.facts div{display:flex;gap:.5rem}
.facts b{min-width:7.5rem;color:#5a6478;font-weight:500}.bad{color:#b42318;font-weight:600}.ok{color:#067647}
.status-completed{color:#067647}.status-failed,.status-cancelled{color:#b42318}.error{background:#fef3f2;border:1px solid #fecdca;padding:.75rem;border-radius:6px}
ul{margin:.25rem 0 0 1.25rem;padding:0}.muted{color:#5a6478}
.outcome{padding:.75rem 1rem;border-radius:6px;font-weight:600;margin:0 0 1rem}.outcome-ok{background:#ecfdf3;color:#067647;border:1px solid #abefc6}
.outcome-amber{background:#fffaeb;color:#b54708;border:1px solid #fedf89}.outcome-red{background:#fef3f2;color:#b42318;border:1px solid #fecdca}
.state-issues{color:#b54708;font-weight:600}.state-failed{color:#b42318;font-weight:600}.state-ok{color:#067647}`;

export function renderReportHtml(report: RunReport): string {
  const r = decided(report);
  const share = r.maxQuarantineShare;
  const banner = outcomeBanner(r);
  const links = retryLines(r);
  const facts = summaryFacts(r)
    .map(([k, v]) => `<div><b>${e(k)}</b><span${k === 'Status' ? ` class="status-${e(v)}"` : k === 'Reconciles' ? ` class="${v === 'yes' ? 'ok' : 'bad'}"` : ''}>${e(v)}</span></div>`)
    .join('');
  const head = `<tr><th>Entity</th><th>Target</th>${COUNT_COLUMNS.map((c) => `<th class="n">${c}</th>`).join('')}<th>Reconciles</th><th>State</th></tr>`;
  const rows = r.entities
    .map((c) => {
      const ok = reconciles(c);
      return `<tr><td>${e(c.entity)}</td><td>${e(c.target)}</td>${COUNT_COLUMNS.map((k) => `<td class="n">${fmtInt(c[k])}</td>`).join('')}<td class="${ok ? 'ok' : 'bad'}">${ok ? 'yes' : 'NO'}</td><td class="state-${entityState(c, share)}" data-state="${entityState(c, share)}">${ENTITY_MARK[entityState(c, share)]}</td></tr>`;
    })
    .join('\n');
  const totalOk = reconciles(r.totals);
  const foot = `<tr><td colspan="2">Total</td>${COUNT_COLUMNS.map((k) => `<td class="n">${fmtInt(r.totals[k])}</td>`).join('')}<td class="${totalOk ? 'ok' : 'bad'}">${totalOk ? 'yes' : 'NO'}</td><td></td></tr>`;
  const warnings = warningSections(r)
    .map((s) => `<h3>${e(s.title)} <span class="muted">(${s.lines.length})</span></h3>${s.lines.length ? `<ul>${s.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : '<p class="muted">None.</p>'}`)
    .join('\n');
  const quarantine = r.quarantineSample.length
    ? `<table><thead><tr><th>Entity</th><th>Source id</th><th>Field</th><th>Reason</th></tr></thead><tbody>${r.quarantineSample
        .map((q) => `<tr><td>${e(q.entity)}</td><td>${e(q.sourceId ?? '—')}</td><td>${e(q.field ?? '—')}</td><td>${e(q.reason)}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="muted">No quarantined records.</p>';
  const timings = Object.entries(r.timings)
    .map(([k, v]) => `<tr><td>${e(k)}</td><td class="n">${fmtDuration(v)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(title(r))}</title><style>${CSS}</style></head>
<body>
<h1>${e(title(r))}</h1>
<div class="outcome outcome-${banner.tone}" data-outcome="${e(r.outcome ?? '')}">${e(banner.text)}</div>
${links.length ? `<ul class="retry-links">${links.map((l) => `<li>${e(l)}</li>`).join('')}</ul>` : ''}
${r.error ? `<div class="error"><b>Error:</b> ${e(r.error)}</div>` : ''}
<section class="facts">${facts}</section>
<h2>Records per entity</h2>
<table><thead>${head}</thead><tbody>
${rows}
</tbody><tfoot>${foot}</tfoot></table>
<p class="muted">extracted = created + updated + unchanged + deleted + quarantined + skipped</p>
${r.entities.some((x) => x.matched) ? `<p class="matched">Matched to rows the tenant already had (match rules; included in updated, unchanged and skipped): ${e(r.entities.filter((x) => x.matched).map((x) => `${x.entity} ${x.matched!.toLocaleString('en-US')}`).join(', '))}</p>` : ''}
<h2>Warnings</h2>
${warnings}
<h2>Quarantine sample</h2>
${quarantine}
<h2>Timings</h2>
<table><tbody>${timings || '<tr><td class="muted">No timings recorded.</td></tr>'}<tr><td>Throughput</td><td class="n">${fmtInt(r.throughput.recordsPerSecond)} records/s</td></tr></tbody></table>
</body></html>
`;
}
