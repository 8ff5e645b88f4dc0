/** The agent side of an agent-sourced migration's progress, refreshed every 1.5 s. */
import { useEffect, useState } from 'react';
import { api } from '../api.ts';

interface AgentProgress {
  agent: { id: string; name: string; online: boolean; lastSeenAt: string | null } | null;
  connection: string | null;
  waiting: string | null;
  entities: { entity: string; jobId: string; state: string; extracted: number; acked: number; inTransit: number; batches: number; error: string | null }[];
}

export function AgentProgressCard({ migrationId, loaded }: { migrationId: string; loaded: Record<string, { loaded: number; quarantined: number }> }) {
  const [p, setP] = useState<AgentProgress | null>(null);
  useEffect(() => {
    let stop = false;
    const tick = (): void => {
      api<AgentProgress>('GET', `/migrations/${migrationId}/agent-progress`).then((r) => { if (!stop) setP(r); }, () => undefined);
    };
    tick();
    const t = setInterval(tick, 1500);
    return () => { stop = true; clearInterval(t); };
  }, [migrationId]);
  if (!p?.agent) return null;
  return (
    <div className="card" data-testid="agent-progress">
      <h3>Agent {p.agent.name} <span data-testid="agent-online" className={p.agent.online ? 'pill ok' : 'pill warn'}>{p.agent.online ? 'online' : 'offline'}</span></h3>
      <p className="muted">connection {p.connection} · extracted on the agent → acknowledged (durably staged here) → loaded / quarantined</p>
      {p.waiting && <p className="warn" data-testid="agent-waiting">{p.waiting}</p>}
      <table data-testid="agent-progress-table">
        <thead><tr><th>Entity</th><th>Agent job</th><th>Extracted</th><th>In transit</th><th>Acked</th><th>Loaded</th><th>Quarantined</th></tr></thead>
        <tbody>{p.entities.map((e) => (
          <tr key={e.entity} className={e.state === 'failed' ? 'error' : ''}>
            <td>{e.entity}</td><td>{e.state}{e.error ? `: ${e.error}` : ''}</td><td>{e.extracted}</td><td>{e.inTransit}</td><td>{e.acked}</td>
            <td>{loaded[e.entity]?.loaded ?? 0}</td><td>{loaded[e.entity]?.quarantined ?? 0}</td>
          </tr>
        ))}</tbody>
      </table>
    </div>
  );
}
