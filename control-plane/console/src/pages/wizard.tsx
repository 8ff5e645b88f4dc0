/** The migration wizard: source → connection test → discovery → mapping → dry run (then approval and run on the dashboard). */
import { useEffect, useState } from 'react';
import { api, HttpError, type Me, type MigrationDto } from '../api.ts';
import { MappingEditor } from './mapping-editor.tsx';

interface Connector { name: string; label: string; hasEmulator: boolean; mappingTemplate: string | null; credentialFields: string[] }
interface AgentRow { id: string; name: string; online: boolean; revoked: boolean }
interface AgentConnection { name: string; type: string; host: string; port: number; database: string; schema: string | null; platform: string | null }
interface Stream { entity: string; estimatedCount?: number; fields: unknown[] }

function SourceStep() {
  const [connectors, setConnectors] = useState<Connector[]>([]);
  const [source, setSource] = useState('');
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [tokenUrl, setTokenUrl] = useState('');
  const [franchiseId, setFranchiseId] = useState('');
  const [creds, setCreds] = useState<{ k: string; v: string }[]>([{ k: '', v: '' }]);
  const [error, setError] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const [where, setWhere] = useState<'api' | 'agent'>(params.get('agent') ? 'agent' : 'api');
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [agentId, setAgentId] = useState(params.get('agent') ?? '');
  const [agentConns, setAgentConns] = useState<AgentConnection[] | null>(null);
  const [agentConn, setAgentConn] = useState(params.get('connection') ?? '');
  useEffect(() => { api<{ items: Connector[] }>('GET', '/connectors').then((r) => setConnectors(r.items), (e: Error) => setError(e.message)); }, []);
  useEffect(() => { if (where === 'agent') api<{ items: AgentRow[] }>('GET', '/agents').then((r) => setAgents(r.items.filter((a) => !a.revoked)), (e: Error) => setError(e.message)); }, [where]);
  useEffect(() => {
    setAgentConns(null);
    if (where !== 'agent' || !agentId) return;
    api<{ items: AgentConnection[] }>('GET', `/agents/${agentId}/connections`).then((r) => setAgentConns(r.items), (e: Error) => setError(e.message));
  }, [where, agentId]);
  const create = (): void => {
    setError('');
    const credentials = where === 'agent' ? {} : Object.fromEntries(creds.filter((c) => c.k && c.v).map((c) => [c.k, c.v]));
    const config: Record<string, unknown> = {};
    if (where === 'agent') { config.agentId = agentId; config.agentConnection = agentConn; }
    if (baseUrl) config.baseUrl = baseUrl;
    if (tokenUrl) config.tokenUrl = tokenUrl;
    if (franchiseId) config.franchiseId = franchiseId;
    api<MigrationDto>('POST', '/migrations', { name, sourceSystem: source, credentials, config })
      .then((m) => { location.hash = `#/migrations/${m.id}/wizard`; }, (e: Error) => { setError(e.message); if (e instanceof HttpError && e.fields) setFields(e.fields); });
  };
  return (
    <div className="card">
      <h3>1. Source</h3>
      <label>Name <input data-testid="mig-name" value={name} onChange={(e) => setName(e.target.value)} /></label>
      <label>Source system <select data-testid="mig-source" value={source} onChange={(e) => {
        setSource(e.target.value);
        // A source that names its credential fields gets one row per field (values the user typed are kept).
        const named = connectors.find((c) => c.name === e.target.value)?.credentialFields ?? [];
        if (named.length) setCreds(named.map((k) => ({ k, v: creds.find((c) => c.k === k)?.v ?? '' })));
      }}>
        <option value="">choose…</option>
        {connectors.map((c) => <option key={c.name} value={c.name}>{c.label}</option>)}
      </select></label>
      <label>Where the source is <select data-testid="mig-where" value={where} onChange={(e) => setWhere(e.target.value as 'api' | 'agent')}>
        <option value="api">a cloud API (credentials stored here)</option>
        <option value="agent">an on-prem database, through an agent</option>
      </select></label>
      {where === 'agent' ? (
        <>
          <label>Agent <select data-testid="mig-agent" value={agentId} onChange={(e) => { setAgentId(e.target.value); setAgentConn(''); }}>
            <option value="">choose…</option>
            {agents.map((a) => <option key={a.id} value={a.id}>{a.name} ({a.online ? 'online' : 'offline'})</option>)}
          </select></label>
          <label>Connection on the agent <select data-testid="mig-agent-connection" value={agentConn} onChange={(e) => setAgentConn(e.target.value)}>
            <option value="">{agentConns ? 'choose…' : agentId ? 'asking the agent…' : 'choose an agent first'}</option>
            {(agentConns ?? []).map((c) => <option key={c.name} value={c.name}>{c.name}: {c.type} {c.host}:{c.port}/{c.database}{c.schema ? ` (${c.schema})` : ''}</option>)}
          </select></label>
          <p className="muted">The database password stays in the agent's keychain; the control plane never connects to the database.</p>
        </>
      ) : (<>
      <label>API base URL (optional) <input data-testid="mig-baseurl" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} /></label>
      <label>Token URL (optional) <input data-testid="mig-tokenurl" value={tokenUrl} onChange={(e) => setTokenUrl(e.target.value)} /></label>
      <label>Logic Nexus franchise id (optional) <input data-testid="mig-franchise" value={franchiseId} onChange={(e) => setFranchiseId(e.target.value)} /></label>
      <fieldset>
        <legend>Credentials (stored encrypted, never shown again)</legend>
        {creds.map((c, i) => (
          <div className="row" key={i}>
            <input data-testid={`cred-key-${i}`} placeholder="field (e.g. accessToken)" value={c.k} onChange={(e) => setCreds(creds.map((x, j) => (j === i ? { ...x, k: e.target.value } : x)))} />
            <input data-testid={`cred-value-${i}`} type="password" placeholder="value" value={c.v} onChange={(e) => setCreds(creds.map((x, j) => (j === i ? { ...x, v: e.target.value } : x)))} />
          </div>
        ))}
        <button className="link" data-testid="cred-add" onClick={() => setCreds([...creds, { k: '', v: '' }])}>+ credential</button>
      </fieldset>
      </>)}
      {where === 'agent' && <label>Logic Nexus franchise id (optional) <input data-testid="mig-franchise" value={franchiseId} onChange={(e) => setFranchiseId(e.target.value)} /></label>}
      <button data-testid="mig-create" disabled={!name || !source || (where === 'agent' && (!agentId || !agentConn))} onClick={create}>Create and continue</button>
      {error && <p className="error">{error}</p>}
      {Object.entries(fields).map(([k, v]) => <p key={k} className="error">{k}: {v}</p>)}
    </div>
  );
}

export function WizardPage({ me, migrationId }: { me: Me; migrationId: string | null }) {
  const [m, setM] = useState<MigrationDto | null>(null);
  const [check, setCheck] = useState<{ ok: boolean; message: string } | null>(null);
  const [streams, setStreams] = useState<Stream[] | null>(null);
  const [busy, setBusy] = useState('');
  const [error, setError] = useState('');
  const reload = (): void => { if (migrationId) api<MigrationDto>('GET', `/migrations/${migrationId}`).then(setM, (e: Error) => setError(e.message)); };
  useEffect(reload, [migrationId]);
  if (me.role !== 'admin' && me.role !== 'engineer') return <p>Only engineers and admins configure migrations.</p>;
  if (!migrationId) return <section><h2>New migration</h2><SourceStep /></section>;
  if (!m) return <p className="muted">{error || 'Loading…'}</p>;
  return (
    <section>
      <h2>{m.name} <span className="pill">{m.status}</span></h2>
      <div className="card">
        <h3>2. Connection test</h3>
        <button data-testid="conn-test" onClick={() => {
          setBusy('check');
          api<{ ok: boolean; message: string }>('POST', `/migrations/${m.id}/connection-test`).then(setCheck, (e: Error) => setCheck({ ok: false, message: e.message })).finally(() => setBusy(''));
        }}>{busy === 'check' ? 'Testing…' : 'Test connection'}</button>
        {check && <p data-testid="conn-result" className={check.ok ? 'ok' : 'error'}>{check.ok ? 'Connected' : 'Failed'}: {check.message}</p>}
      </div>
      <div className="card">
        <h3>3. Discovery</h3>
        <button data-testid="discover" onClick={() => {
          setBusy('discover');
          api<{ streams: Stream[] }>('GET', `/migrations/${m.id}/discover`).then(async (d) => {
            setStreams(d.streams);
            const estimatedCounts = Object.fromEntries(d.streams.filter((s) => typeof s.estimatedCount === 'number').map((s) => [s.entity, s.estimatedCount!]));
            if (Object.keys(estimatedCounts).length) await api('PATCH', `/migrations/${m.id}`, { config: { ...m.config, estimatedCounts } });
          }, (e: Error) => setError(e.message)).finally(() => setBusy(''));
        }}>{busy === 'discover' ? 'Discovering…' : 'Discover entities'}</button>
        {streams && (
          <table data-testid="discovery-table">
            <thead><tr><th>Entity</th><th>Fields</th><th>Estimated records</th></tr></thead>
            <tbody>{streams.map((s) => <tr key={s.entity}><td>{s.entity}</td><td>{s.fields.length}</td><td>{s.estimatedCount ?? '?'}</td></tr>)}</tbody>
          </table>
        )}
      </div>
      {m.mappingYaml ? <MappingEditor migrationId={m.id} yaml={m.mappingYaml} onSaved={reload} /> : <p className="error">This connector has no mapping template; paste one in YAML.</p>}
      <div className="card">
        <h3>5. Dry run</h3>
        <p className="muted">Runs the whole migration without committing target rows, for the customer to review and approve.</p>
        <button data-testid="start-dry-run" onClick={() => {
          api('POST', `/migrations/${m.id}/dry-run`).then(() => { location.hash = `#/migrations/${m.id}`; }, (e: Error) => setError(e.message));
        }}>Start dry run</button>
      </div>
      {error && <p className="error">{error}</p>}
    </section>
  );
}
