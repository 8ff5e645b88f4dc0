/** Migration list; customer admins see what awaits their approval first. */
import { useEffect, useState } from 'react';
import { api, can, outcomeText, outcomeTone, type Me, type MigrationDto } from '../api.ts';

export function MigrationsPage({ me }: { me: Me }) {
  const [items, setItems] = useState<MigrationDto[]>([]);
  const [error, setError] = useState('');
  useEffect(() => { api<{ items: MigrationDto[] }>('GET', '/migrations').then((r) => setItems(r.items), (e: Error) => setError(e.message)); }, []);
  const awaiting = items.filter((m) => m.status === 'awaiting_approval');
  return (
    <section>
      <h2>Migrations</h2>
      {error && <p className="error">{error}</p>}
      {can.write(me.role) && <a className="button" data-testid="new-migration" href="#/migrations/new">New migration</a>}
      {can.approve(me.role) && awaiting.length > 0 && (
        <div className="card" data-testid="approvals">
          <h3>Awaiting your approval</h3>
          {awaiting.map((m) => <p key={m.id}><a href={`#/migrations/${m.id}`}>{m.name}</a> — dry run finished, review the report and approve.</p>)}
        </div>
      )}
      <table>
        <thead><tr><th>Name</th><th>Source</th><th>Status</th><th>Outcome</th></tr></thead>
        <tbody>
          {items.map((m) => (
            <tr key={m.id}>
              <td><a data-testid="migration-link" href={`#/migrations/${m.id}`}>{m.name}</a></td>
              <td>{m.sourceSystem}</td>
              <td><span className={`pill ${m.outcome === 'failed' && m.status === 'failed' ? 'red' : ''}`}>{m.status}</span></td>
              <td data-testid="list-outcome">
                {m.outcome && <span className={`pill ${outcomeTone(m.outcome)}`} data-outcome={m.outcome}>{m.outcomeMode === 'dry-run' ? 'dry run predicts ' : ''}{outcomeText(m.outcome)}</span>}
                {m.outcomeReason && <div className={`reason ${outcomeTone(m.outcome)}`} data-testid="list-outcome-reason">{m.outcomeReason}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
