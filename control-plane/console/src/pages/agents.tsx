/** Agents: enrollment tokens, online status, version, last seen, revoke, remote commands. */
import { useEffect, useState } from 'react';
import { api, can, type Me } from '../api.ts';

interface Agent { id: string; name: string; online: boolean; version: string | null; lastSeenAt: string | null; revoked: boolean }

export function AgentsPage({ me }: { me: Me }) {
  const [agents, setAgents] = useState<Agent[]>([]);
  const [error, setError] = useState('');
  const [token, setToken] = useState<{ token: string; expiresAt: string } | null>(null);
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
          <button onClick={() => { api<{ token: string; expiresAt: string }>('POST', '/agents/enrollment-tokens', { ttlMinutes: 60 }).then(setToken, (e: Error) => setError(e.message)); }}>
            Issue enrollment token
          </button>
          {token && <code className="token"> {token.token} (expires {new Date(token.expiresAt).toLocaleString()})</code>}
        </p>
      )}
      <table>
        <thead><tr><th>Name</th><th>Status</th><th>Version</th><th>Last seen</th><th /></tr></thead>
        <tbody>
          {agents.map((a) => (
            <tr key={a.id}>
              <td>{a.name}</td>
              <td><span className={a.online ? 'pill ok' : 'pill'}>{a.revoked ? 'revoked' : a.online ? 'online' : 'offline'}</span></td>
              <td>{a.version ?? '—'}</td>
              <td>{a.lastSeenAt ? new Date(a.lastSeenAt).toLocaleString() : '—'}</td>
              <td>
                {can.write(me.role) && !a.revoked && (
                  <>
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
    </section>
  );
}
