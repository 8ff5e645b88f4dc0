/** Shell: login, navigation, hash routes. */
import { useEffect, useState } from 'react';
import { api, HttpError, type Me } from './api.ts';
import { AgentsPage } from './pages/agents.tsx';
import { DashboardPage } from './pages/dashboard.tsx';
import { MigrationsPage } from './pages/migrations.tsx';
import { WizardPage } from './pages/wizard.tsx';

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/migrations');
  useEffect(() => {
    const on = (): void => setHash(location.hash || '#/migrations');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

/** The tenant a login link names (`/?tenant=acme`), remembered from the last sign-in otherwise. */
function initialTenant(): string {
  return new URLSearchParams(location.search).get('tenant') ?? localStorage.getItem('nexus.tenant') ?? '';
}

function Login({ onLogin }: { onLogin: (m: Me) => void }) {
  const [tenant, setTenant] = useState(initialTenant);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  return (
    <form className="card login" onSubmit={(e) => {
      e.preventDefault();
      setError('');
      api<Me>('POST', '/auth/login', { tenant, email, password }).then((m) => {
        localStorage.setItem('nexus.tenant', tenant);
        onLogin(m);
      }, (err: Error) => setError(err.message));
    }}>
      <h1>nexus-migrate</h1>
      <label>Tenant <input data-testid="login-tenant" autoComplete="organization" value={tenant} onChange={(e) => setTenant(e.target.value)} /></label>
      <label>Email <input data-testid="login-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} /></label>
      <label>Password <input data-testid="login-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} /></label>
      <button data-testid="login-submit" type="submit">Sign in</button>
      {error && <p className="error">{error}</p>}
    </form>
  );
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const hash = useHash();
  useEffect(() => {
    api<Me>('GET', '/auth/me').then(setMe, (e: unknown) => setMe(e instanceof HttpError && e.status === 401 ? null : null));
  }, []);
  if (me === undefined) return <p className="muted">Loading…</p>;
  if (me === null) return <Login onLogin={setMe} />;
  const parts = hash.replace(/^#\//, '').split('?')[0]!.split('/');
  let page;
  if (parts[0] === 'agents') page = <AgentsPage me={me} />;
  else if (parts[0] === 'migrations' && parts[1] === 'new') page = <WizardPage me={me} migrationId={null} />;
  else if (parts[0] === 'migrations' && parts[1] && parts[2] === 'wizard') page = <WizardPage me={me} migrationId={parts[1]} />;
  else if (parts[0] === 'migrations' && parts[1]) page = <DashboardPage me={me} migrationId={parts[1]} />;
  else page = <MigrationsPage me={me} />;
  return (
    <div className="shell">
      <header>
        <strong>nexus-migrate</strong>
        <nav>
          <a href="#/migrations">Migrations</a>
          {me.role !== 'customer-admin' && <a href="#/agents">Agents</a>}
        </nav>
        <span className="muted" data-testid="whoami">{me.actor} ({me.role})</span>
        <button className="link" onClick={() => { void api('POST', '/auth/logout').finally(() => setMe(null)); }}>Sign out</button>
      </header>
      <main>{page}</main>
    </div>
  );
}
