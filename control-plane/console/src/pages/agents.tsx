/** Agents: enrollment tokens, online status, version, last seen, revoke, remote commands. */
import { useEffect, useState } from 'react';
import { api, can, type Me } from '../api.ts';

interface AgentConnection { name: string; type: string; host: string; port: number; database: string; schema: string | null; platform: string | null }
interface Agent { id: string; name: string; online: boolean; version: string | null; lastSeenAt: string | null; revoked: boolean }

export function AgentsPage({ me }: { me: Me }) {
  const [agents, setAgents] = useState<Agent[]>([]);
  const [error, setError] = useState('');
  const [token, setToken] = useState<{ token: string; expiresAt: string } | null>(null);
  const [conns, setConns] = useState<{ agent: Agent; items: AgentConnection[] } | null>(null);
  const listConnections = (a: Agent): void => {
    setError('');
    api<{ items: AgentConnection[] }>('GET', `/agents/${a.id}/connections`).then((r) => setConns({ agent: a, items: r.items }), (e: Error) => setError(e.message));
  };
  const load = (): void => { api<{ items: Agent[] }>('GET', '/agents').then((r) => setAgents(r.items), (e: Error) => setError(e.message)); };
  useEffect(() => {
    load();
    const es = new EventSource('/api/v1/events');
    es.addEventListener('agent', () => load());
    return () => es.close();
  }, []);
  return (
    <section>
      <h2>Agents</h2>
      {error && <p className="error" data-testid="agents-error">{error}</p>}
      {can.write(me.role) && (
        <p>
          <button data-testid="issue-token" onClick={() => { api<{ token: string; expiresAt: string }>('POST', '/agents/enrollment-tokens', { ttlMinutes: 60 }).then(setToken, (e: Error) => setError(e.message)); }}>
            Issue enrollment token
          </button>
          {token && <code className="token" data-testid="enrollment-token"> {token.token}</code>}
          {token && <span className="muted"> (expires {new Date(token.expiresAt).toLocaleString()}) — on the agent's machine: <code>nexus-migrate agent enroll --url {location.origin.replace(/^http/, 'ws')}/agent/ws --token …</code></span>}
        </p>
      )}
      <table>
        <thead><tr><th>Name</th><th>Status</th><th>Version</th><th>Last seen</th><th /></tr></thead>
        <tbody>
          {agents.map((a) => (
            <tr key={a.id} data-testid="agent-row" data-agent-id={a.id}>
              <td>{a.name}</td>
              <td><span data-testid="agent-status" className={a.online ? 'pill ok' : 'pill'}>{a.revoked ? 'revoked' : a.online ? 'online' : 'offline'}</span></td>
              <td>{a.version ?? '—'}</td>
              <td>{a.lastSeenAt ? new Date(a.lastSeenAt).toLocaleString() : '—'}</td>
              <td>
                {can.write(me.role) && !a.revoked && (
                  <>
                    <button data-testid="agent-connections" onClick={() => listConnections(a)}>Connections</button>
                    <button onClick={() => { void api('POST', `/agents/${a.id}/commands`, { type: 'status' }).catch((e: Error) => setError(e.message)); }}>Ping</button>
                    <button className="danger" onClick={() => { if (confirm(`Revoke agent ${a.name}?`)) void api('POST', `/agents/${a.id}/revoke`).then(load, (e: Error) => setError(e.message)); }}>Revoke</button>
                  </>
                )}
              </td>
            </tr>
          ))}
          {agents.length === 0 && <tr><td colSpan={5} className="muted">No agents enrolled.</td></tr>}
        </tbody>
      </table>
      {conns && (
        <div className="card">
          <h3>Connections on {conns.agent.name}</h3>
          <table data-testid="connections-table">
            <thead><tr><th>Name</th><th>Database</th><th>Platform</th><th /></tr></thead>
            <tbody>
              {conns.items.map((c) => (
                <tr key={c.name}>
                  <td>{c.name}</td><td>{c.type} {c.host}:{c.port}/{c.database}{c.schema ? ` (${c.schema})` : ''}</td><td>{c.platform ?? '—'}</td>
                  <td>{can.write(me.role) && <a className="button" data-testid={`migrate-from-${c.name}`} href={`#/migrations/new?agent=${encodeURIComponent(conns.agent.id)}&connection=${encodeURIComponent(c.name)}`}>New migration from this connection</a>}</td>
                </tr>
              ))}
              {conns.items.length === 0 && <tr><td colSpan={4} className="muted">No connections yet: on the agent, run <code>nexus-migrate agent connection add …</code></td></tr>}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
