/**
 * Mapping configurator over the mapping YAML: per entity, field mapping (target column ← source
 * field), picklist value maps, owner mapping, custom-field handling; a raw YAML view for the rest;
 * a sample preview showing source records beside their mapped target rows.
 */
import { useState } from 'react';
import { parse, stringify } from 'yaml';
import { api, HttpError } from '../api.ts';

type Rule = string | { from?: string; values?: Record<string, string>; owner?: string; [k: string]: unknown };
interface EntityMap { target: string; fields: Record<string, Rule>; unmappedFields?: 'metadata' | 'drop'; [k: string]: unknown }
interface Mapping { owners?: { entity: string; emailField: string; fallbackEmail?: string }; entities: Record<string, EntityMap>; [k: string]: unknown }

const sourceOf = (r: Rule): string => (typeof r === 'string' ? r : r.from ?? r.owner ?? (r.const !== undefined ? `= ${String(r.const)}` : '(computed)'));

export function MappingEditor({ migrationId, yaml, onSaved }: { migrationId: string; yaml: string; onSaved: () => void }) {
  const [doc, setDoc] = useState<Mapping>(() => parse(yaml) as Mapping);
  const [raw, setRaw] = useState<string | null>(null);
  const [entity, setEntity] = useState(Object.keys(doc.entities)[0] ?? '');
  const [status, setStatus] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<{ source: Record<string, unknown>; target: Record<string, unknown> | null; errors: string[] }[]>([]);
  const [newCol, setNewCol] = useState('');
  const [newFrom, setNewFrom] = useState('');
  const em = doc.entities[entity];
  const update = (fn: (d: Mapping) => void): void => { const d = structuredClone(doc); fn(d); setDoc(d); };
  const currentYaml = (): string => raw ?? stringify(doc);

  const save = async (): Promise<void> => {
    setStatus('Saving…');
    setFieldErrors({});
    try {
      await api('PATCH', `/migrations/${migrationId}`, { mappingYaml: currentYaml() });
      setStatus('Mapping saved');
      onSaved();
    } catch (e) {
      setStatus(`Not saved: ${(e as Error).message}`);
      if (e instanceof HttpError && e.fields) setFieldErrors(e.fields);
    }
  };

  return (
    <div className="card">
      <h3>Mapping</h3>
      <div className="row">
        <label>Entity <select data-testid="mapping-entity" value={entity} onChange={(e) => setEntity(e.target.value)}>
          {Object.keys(doc.entities).map((e) => <option key={e}>{e}</option>)}
        </select></label>
        <button className="link" onClick={() => setRaw(raw === null ? stringify(doc) : null)}>{raw === null ? 'Edit YAML' : 'Back to the form'}</button>
      </div>
      {raw !== null ? (
        <textarea data-testid="mapping-yaml" rows={18} value={raw} onChange={(e) => setRaw(e.target.value)} />
      ) : em ? (
        <>
          <p className="muted">Target table <b>{em.target}</b></p>
          <table data-testid="field-table">
            <thead><tr><th>Target column</th><th>Source field</th><th>Picklist values (source=target, one per line)</th></tr></thead>
            <tbody>
              {Object.entries(em.fields).map(([col, rule]) => (
                <tr key={col}>
                  <td>{col}</td>
                  <td>
                    {typeof rule === 'string' || (typeof rule === 'object' && rule.from !== undefined) ? (
                      <input data-testid={`src-${col}`} value={sourceOf(rule)} onChange={(e) => update((d) => {
                        const r = d.entities[entity]!.fields[col]!;
                        d.entities[entity]!.fields[col] = typeof r === 'string' ? e.target.value : { ...r, from: e.target.value };
                      })} />
                    ) : <span className="muted">{sourceOf(rule)}</span>}
                  </td>
                  <td>
                    {typeof rule === 'object' && rule.values ? (
                      <textarea rows={Math.min(6, Object.keys(rule.values).length + 1)} data-testid={`values-${col}`}
                        defaultValue={Object.entries(rule.values).map(([k, v]) => `${k}=${v}`).join('\n')}
                        onBlur={(e) => update((d) => {
                          const r = d.entities[entity]!.fields[col] as Exclude<Rule, string>;
                          r.values = Object.fromEntries(e.target.value.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]));
                        })} />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row">
            <input placeholder="target column" data-testid="new-col" value={newCol} onChange={(e) => setNewCol(e.target.value)} />
            <input placeholder="source field (custom field)" data-testid="new-from" value={newFrom} onChange={(e) => setNewFrom(e.target.value)} />
            <button disabled={!newCol || !newFrom} onClick={() => { update((d) => { d.entities[entity]!.fields[newCol] = newFrom; }); setNewCol(''); setNewFrom(''); }}>Add field</button>
          </div>
          <label>Unmapped (custom) source fields
            <select data-testid="unmapped-policy" value={em.unmappedFields ?? 'metadata'} onChange={(e) => update((d) => { d.entities[entity]!.unmappedFields = e.target.value as 'metadata' | 'drop'; })}>
              <option value="metadata">keep in metadata</option>
              <option value="drop">drop</option>
            </select>
          </label>
          <fieldset>
            <legend>Owner mapping (matched by email)</legend>
            <label>User entity <input value={doc.owners?.entity ?? ''} onChange={(e) => update((d) => { d.owners = { entity: e.target.value, emailField: d.owners?.emailField ?? 'email', fallbackEmail: d.owners?.fallbackEmail }; })} /></label>
            <label>Email field <input value={doc.owners?.emailField ?? ''} onChange={(e) => update((d) => { if (d.owners) d.owners.emailField = e.target.value; })} /></label>
            <label>Fallback owner email <input data-testid="fallback-owner" value={doc.owners?.fallbackEmail ?? ''} onChange={(e) => update((d) => { if (d.owners) d.owners.fallbackEmail = e.target.value || undefined; })} /></label>
          </fieldset>
        </>
      ) : null}
      {Object.keys(fieldErrors).length > 0 && <ul className="error">{Object.entries(fieldErrors).map(([k, v]) => <li key={k}>{k}: {v}</li>)}</ul>}
      <div className="row">
        <button data-testid="save-mapping" onClick={() => { void save(); }}>Save mapping</button>
        <button data-testid="preview" onClick={() => {
          setStatus('Loading preview…');
          api<{ items: typeof preview }>('POST', `/migrations/${migrationId}/preview`, { entity, limit: 3, mappingYaml: currentYaml() })
            .then((r) => { setPreview(r.items); setStatus(''); }, (e: Error) => setStatus(`Preview failed: ${e.message}`));
        }}>Preview sample</button>
        <span className="muted" data-testid="mapping-status">{status}</span>
      </div>
      {preview.length > 0 && (
        <table className="preview" data-testid="preview-table">
          <thead><tr><th>Source</th><th>Target</th></tr></thead>
          <tbody>{preview.map((p, i) => (
            <tr key={i}>
              <td><pre>{JSON.stringify(p.source, null, 1)}</pre></td>
              <td><pre>{p.target ? JSON.stringify(p.target, null, 1) : ''}</pre>{p.errors.map((er) => <p key={er} className="error">{er}</p>)}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </div>
  );
}
