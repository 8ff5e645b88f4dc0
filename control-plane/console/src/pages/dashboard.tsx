/** Live dashboard of one migration: lifecycle actions by role, progress (SSE) with SVG charts and ETA, logs, report, rollback. */
import { useEffect, useRef, useState } from 'react';
import { api, can, outcomeText, outcomeTone, STATE_MARK, type Me, type MigrationDto, type Outcome } from '../api.ts';
import { AgentProgressCard } from './agent-progress.tsx';

interface Progress { entity: string; extracted: number; loaded: number; quarantined: number; recordsPerSecond: number; etaSeconds: number | null }
interface LogItem { id: number; ts: string; level: string; message: string }
interface ReportEntity { entity: string; target: string; extracted: number; created: number; updated: number; unchanged: number; deleted: number; quarantined: number; skipped: number; reconciles: boolean }
interface Report {
  runId: string; mode: string; status: string; entities: ReportEntity[]; totals: Record<string, number>; durationSeconds: number;
  outcome?: Outcome; outcomeReason?: string | null; maxQuarantineShare?: number;
  retryOf?: { runId: string; entity: string | null } | null; retriedBy?: { runId: string; entity: string | null; outcome: string | null }[];
}

/** Same rule as report/outcome.ts entityState: an entity that had records and loaded none is never ✓. */
function stateOf(e: ReportEntity, share: number): 'ok' | 'issues' | 'failed' {
  const toLoad = e.extracted - e.skipped;
  const loaded = e.created + e.updated + e.unchanged + e.deleted;
  if (!e.reconciles || (toLoad > 0 && loaded === 0)) return 'failed';
  return toLoad > 0 && e.quarantined / toLoad > share ? 'issues' : 'ok';
}

/** Re-import one entity's corrected failed records as a follow-up run of `runId`. */
function RetryUpload({ migrationId, runId, entity, onDone }: { migrationId: string; runId: string; entity: string; onDone: (msg: string) => void }) {
  const [file, setFile] = useState<File | null>(null);
  return (
    <span className="row">
      <input type="file" accept=".csv,text/csv" data-testid={`retry-file-${entity}`} onChange={(ev) => setFile(ev.target.files?.[0] ?? null)} />
      <button data-testid={`retry-${entity}`} disabled={!file} onClick={() => {
        void file!.text().then((csv) => api('POST', `/migrations/${migrationId}/runs/${runId}/retry`, { entity, csv }))
          .then(() => onDone(`Re-importing the corrected ${entity} records as a follow-up run`), (e: Error) => onDone(e.message));
      }}>Re-import corrected</button>
    </span>
  );
}

function Bars({ data }: { data: Progress[] }) {
  const max = Math.max(1, ...data.map((d) => d.extracted));
  return (
    <svg data-testid="progress-chart" width="100%" height={data.length * 28 + 10} viewBox={`0 0 420 ${data.length * 28 + 10}`} role="img" aria-label="progress per entity" preserveAspectRatio="xMinYMin meet">
      {data.map((d, i) => (
        <g key={d.entity} transform={`translate(0 ${i * 28 + 4})`}>
          <text x="0" y="14" fontSize="11">{d.entity}</text>
          <rect x="120" y="2" width={(d.extracted / max) * 280} height="8" fill="#cbd5e1" />
          <rect x="120" y="2" width={(d.loaded / max) * 280} height="8" fill="#2563eb" />
          <rect x="120" y="12" width={(d.quarantined / max) * 280} height="5" fill="#dc2626" />
        </g>
      ))}
    </svg>
  );
}

function Spark({ values }: { values: number[] }) {
  if (values.length < 2) return null;
  const max = Math.max(1, ...values);
  const pts = values.map((v, i) => `${(i / (values.length - 1)) * 200},${40 - (v / max) * 38}`).join(' ');
  return <svg width="200" height="42" aria-label="throughput"><polyline points={pts} fill="none" stroke="#16a34a" strokeWidth="2" /></svg>;
}

export function DashboardPage({ me, migrationId }: { me: Me; migrationId: string }) {
  const [m, setM] = useState<MigrationDto | null>(null);
  const [live, setLive] = useState<Record<string, Progress>>({});
  const [rate, setRate] = useState<number[]>([]);
  const [logs, setLogs] = useState<LogItem[]>([]);
  const [level, setLevel] = useState('info');
  const [report, setReport] = useState<Report | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState('');
  const rateRef = useRef<number[]>([]);

  const reload = (): void => {
    api<MigrationDto>('GET', `/migrations/${migrationId}`).then(setM, (e: Error) => setMessage(e.message));
    api<{ items: LogItem[] }>('GET', `/migrations/${migrationId}/logs?level=${level}&limit=200`).then((r) => setLogs(r.items), () => undefined);
    api<Report>('GET', `/migrations/${migrationId}/report`).then(setReport, () => setReport(null));
  };
  useEffect(reload, [migrationId, level]);
  useEffect(() => {
    const es = new EventSource(`/api/v1/events?migrationId=${migrationId}`);
    es.addEventListener('progress', (ev) => {
      const p = JSON.parse((ev as MessageEvent<string>).data) as Progress;
      setLive((s) => ({ ...s, [p.entity]: p }));
      rateRef.current = [...rateRef.current.slice(-59), p.recordsPerSecond];
      setRate(rateRef.current);
    });
    es.addEventListener('status', () => reload());
    return () => es.close();
  }, [migrationId]);

  const act = (action: string): void => {
    setMessage('');
    api('POST', `/migrations/${migrationId}/${action}`).then(reload, (e: Error) => setMessage(e.message));
  };
  if (!m) return <p className="muted">{message || 'Loading…'}</p>;
  const progress = Object.values(live).length ? Object.values(live) : (m.entities ?? []).map((e) => ({ entity: e.entity, extracted: e.extracted, loaded: e.created + e.updated + e.unchanged, quarantined: e.quarantined, recordsPerSecond: 0, etaSeconds: null }));
  const eta = Object.values(live).reduce<number | null>((acc, p) => (p.etaSeconds == null ? acc : Math.max(acc ?? 0, p.etaSeconds)), null);
  const s = m.status;
  const tone = outcomeTone(m.outcome);
  return (
    <section>
      {m.outcome && (
        <div className={`banner ${tone}`} data-testid="outcome-banner" data-outcome={m.outcome}>
          {m.outcomeMode === 'dry-run' ? 'Dry run predicts: ' : 'Outcome: '}{outcomeText(m.outcome)}
          {m.outcomeReason && <> — <span data-testid="outcome-reason">{m.outcomeReason}</span></>}
        </div>
      )}
      <h2>{m.name} <span className={`pill ${s === 'failed' ? 'red' : ''}`} data-testid="status">{s}</span></h2>
      {m.waitingFor && <p className="warning" role="status" data-testid="waiting">Waiting for {m.waitingFor}</p>}
      <div className="row actions">
        {can.write(me.role) && <a className="button" href={`#/migrations/${m.id}/wizard`}>Configure</a>}
        {can.write(me.role) && ['draft', 'awaiting_approval', 'failed', 'cancelled', 'rolled_back'].includes(s) && <button data-testid="dry-run" onClick={() => act('dry-run')}>Dry run</button>}
        {can.approve(me.role) && s === 'awaiting_approval' && <button data-testid="approve" onClick={() => act('approve')}>Approve dry run</button>}
        {can.write(me.role) && s === 'awaiting_approval' && <span className="muted">Waiting for the customer's approval.</span>}
        {can.write(me.role) && s === 'approved' && <button data-testid="start" onClick={() => act('start')}>Start migration</button>}
        {can.write(me.role) && s === 'running' && <button onClick={() => act('pause')}>Pause</button>}
        {can.write(me.role) && s === 'paused' && <button onClick={() => act('resume')}>Resume</button>}
        {can.write(me.role) && ['running', 'paused', 'dry_run'].includes(s) && <button onClick={() => act('cancel')}>Cancel</button>}
        {can.write(me.role) && ['completed', 'failed', 'cancelled'].includes(s) && m.runs?.some((r) => r.mode === 'run') && <button className="danger" data-testid="rollback" onClick={() => setConfirming(true)}>Roll back…</button>}
      </div>
      {m.approvedBy && <p className="muted">Approved by {m.approvedBy}</p>}
      {confirming && (
        <div className="card danger-zone" data-testid="rollback-confirm">
          <p>Roll back deletes the rows this migration created and restores the rows it changed. This cannot be undone.</p>
          <button className="danger" data-testid="rollback-yes" onClick={() => { setConfirming(false); act('rollback'); }}>Yes, roll back</button>
          <button onClick={() => setConfirming(false)}>Keep the data</button>
        </div>
      )}
      {message && <p className="error" data-testid="message">{message}</p>}
      <div className="card">
        <h3>Progress</h3>
        <p className="muted">grey: extracted · blue: loaded · red: quarantined {eta != null && <>· ETA {Math.round(eta)} s</>}</p>
        <Bars data={progress} />
        <table data-testid="progress-table">
          <thead><tr><th>Entity</th><th>Extracted</th><th>Loaded</th><th>Quarantined</th><th>Records/s</th></tr></thead>
          <tbody>{progress.map((p) => <tr key={p.entity}><td>{p.entity}</td><td>{p.extracted}</td><td>{p.loaded}</td><td>{p.quarantined}</td><td>{p.recordsPerSecond.toFixed(0)}</td></tr>)}</tbody>
        </table>
        <Spark values={rate} />
      </div>
      {typeof m.config.agentId === 'string' && <AgentProgressCard migrationId={m.id} loaded={Object.fromEntries(progress.map((p) => [p.entity, p]))} />}
      <div className="card">
        <h3>Report</h3>
        {report ? (
          <>
            {report.outcome && report.outcome !== 'completed' && (
              <div className={`banner ${outcomeTone(report.outcome)}`} data-testid="report-outcome" data-outcome={report.outcome}>
                {report.mode === 'dry-run' ? 'Dry run predicts: ' : 'Outcome: '}{outcomeText(report.outcome)}{report.outcomeReason ? ` — ${report.outcomeReason}` : ''}
              </div>
            )}
            {(report.retryOf || (report.retriedBy?.length ?? 0) > 0) && (
              <ul data-testid="retry-links">
                {report.retryOf && <li>Follow-up of run <a href={`/api/v1/migrations/${m.id}/report?format=json&runId=${report.retryOf.runId}`}>{report.retryOf.runId}</a>{report.retryOf.entity ? ` (corrected ${report.retryOf.entity} records)` : ''}</li>}
                {report.retriedBy?.map((x) => <li key={x.runId}>Retried by run <a href={`/api/v1/migrations/${m.id}/report?format=json&runId=${x.runId}`}>{x.runId}</a>{x.entity ? ` (${x.entity})` : ''}{x.outcome ? `: ${outcomeText(x.outcome as Outcome)}` : ''}</li>)}
              </ul>
            )}
            <p data-testid="report-summary">{report.mode} {report.outcome ? outcomeText(report.outcome) : report.status}: extracted {report.totals.extracted}, created {report.totals.created}, updated {report.totals.updated}, quarantined {report.totals.quarantined} in {report.durationSeconds.toFixed(1)} s</p>
            <table data-testid="report-table">
              <thead><tr><th>Entity</th><th>Target</th><th>Extracted</th><th>Created</th><th>Updated</th><th>Unchanged</th><th>Quarantined</th><th>Skipped</th><th>State</th><th>Failed records</th></tr></thead>
              <tbody>{report.entities.map((e) => {
                const st = stateOf(e, report.maxQuarantineShare ?? 0.01);
                return (
                  <tr key={e.entity} data-testid={`report-row-${e.entity}`}>
                    <td>{e.entity}</td><td>{e.target}</td><td>{e.extracted}</td><td>{e.created}</td><td>{e.updated}</td><td>{e.unchanged}</td><td>{e.quarantined}</td><td>{e.skipped}</td>
                    <td className={`state-${st}`} data-testid={`state-${e.entity}`} data-state={st}>{STATE_MARK[st]}</td>
                    <td>{e.quarantined > 0 && (
                      <>
                        <a className="button" data-testid={`quarantine-csv-${e.entity}`} href={`/api/v1/migrations/${m.id}/runs/${report.runId}/quarantine?entity=${encodeURIComponent(e.entity)}`} download>Download CSV</a>
                        {report.mode === 'run' && can.write(me.role) && ['completed', 'failed', 'cancelled', 'rolled_back'].includes(s) && <RetryUpload migrationId={m.id} runId={report.runId} entity={e.entity} onDone={(msg) => { setMessage(msg); reload(); }} />}
                      </>
                    )}</td>
                  </tr>
                );
              })}</tbody>
            </table>
            <a className="button" data-testid="download-pdf" href={`/api/v1/migrations/${m.id}/report?format=pdf&runId=${report.runId}`} download>Download PDF</a>
            <a className="button" href={`/api/v1/migrations/${m.id}/report?format=json&runId=${report.runId}`} download={`report-${report.runId}.json`}>Download JSON</a>
          </>
        ) : <p className="muted">No report yet.</p>}
      </div>
      <div className="card">
        <h3>Logs</h3>
        <select value={level} onChange={(e) => setLevel(e.target.value)}>{['debug', 'info', 'warn', 'error'].map((l) => <option key={l}>{l}</option>)}</select>
        <table data-testid="logs"><tbody>{logs.map((l) => <tr key={l.id} className={l.level}><td>{new Date(l.ts).toLocaleTimeString()}</td><td>{l.level}</td><td>{l.message}</td></tr>)}</tbody></table>
      </div>
    </section>
  );
}
