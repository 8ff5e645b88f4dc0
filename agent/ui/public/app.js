// The agent's local page: plain DOM, no build step. Talks only to its own origin; the session
// cookie was set by the sign-in link. Never renders server text as HTML.
'use strict';

const $ = (sel) => document.querySelector(sel);
const POLL_MS = 1000;

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401) $('#signin-warning').hidden = false;
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
  return data;
}

function show(sel, text, isError) {
  const el = $(sel);
  el.textContent = text;
  el.classList.toggle('error', Boolean(isError));
}

function yesNo(v) {
  return v ? 'yes' : 'no';
}

function renderStatus(s) {
  show('[data-testid=status-enrolled]', yesNo(s.enrolled));
  show('[data-testid=status-connected]', yesNo(s.connected));
  show('[data-testid=status-agent-id]', s.agentId || '—');
  show('[data-testid=status-control-plane]', s.controlPlaneUrl || '—');
  show('[data-testid=version]', s.version ? `agent ${s.version}` : '');
}

function renderSource(src) {
  show('[data-testid=password-state]', src.passwordSet ? 'Password stored in the OS keychain.' : 'No password stored.');
  if (!src.configured) return;
  const form = $('#source-form');
  for (const key of ['type', 'host', 'port', 'database', 'schema', 'user']) {
    const input = form.elements.namedItem(key);
    if (input && document.activeElement !== input) input.value = src[key] === undefined ? '' : String(src[key]);
  }
}

function cell(tag, text, cls) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (cls) el.className = cls;
  return el;
}

function renderJobs(jobs) {
  const box = $('#jobs');
  box.replaceChildren();
  if (jobs.length === 0) {
    box.append(cell('p', 'No jobs yet.', 'hint'));
    return;
  }
  for (const job of jobs) {
    const table = document.createElement('table');
    table.dataset.testid = `job-${job.jobId}`;
    table.append(cell('caption', `Job ${job.jobId}: ${job.state}`));
    const head = document.createElement('tr');
    for (const h of ['Entity', 'Extracted', 'Sent', 'Acked']) head.append(cell('th', h));
    table.append(head);
    for (const e of job.entities) {
      const row = document.createElement('tr');
      row.dataset.testid = `progress-${job.jobId}-${e.entity}`;
      row.append(cell('td', e.entity), cell('td', String(e.extracted), 'num'), cell('td', String(e.sent), 'num'), cell('td', String(e.acked), 'num'));
      table.append(row);
    }
    box.append(table);
  }
}

function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function renderSpool(sp) {
  $('#spool-bar').value = sp.limit > 0 ? Math.min(1, sp.bytes / sp.limit) : 0;
  show('[data-testid=spool-level]', `${formatBytes(sp.bytes)} of ${formatBytes(sp.limit)}`);
}

async function refresh() {
  const [status, progress, spool] = await Promise.all([api('GET', '/api/status'), api('GET', '/api/progress'), api('GET', '/api/spool')]);
  renderStatus(status);
  renderJobs(progress.jobs);
  renderSpool(spool);
}

async function poll() {
  try {
    await refresh();
  } catch (err) {
    console.warn('refresh failed:', err.message);
  }
  setTimeout(() => void poll(), POLL_MS);
}

$('#enroll-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const form = ev.currentTarget;
  const body = { controlPlaneUrl: form.elements.controlPlaneUrl.value, token: form.elements.token.value };
  form.elements.token.value = '';
  show('[data-testid=enroll-result]', 'Enrolling…');
  api('POST', '/api/enroll', body)
    .then((s) => {
      renderStatus(s);
      show('[data-testid=enroll-result]', `Enrolled as ${s.agentId}`);
    })
    .catch((err) => show('[data-testid=enroll-result]', err.message, true));
});

$('#source-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const form = ev.currentTarget;
  const body = {};
  for (const key of ['type', 'host', 'port', 'database', 'user']) body[key] = form.elements[key].value;
  body.port = Number(body.port);
  if (form.elements.schema.value.trim()) body.schema = form.elements.schema.value.trim();
  if (form.elements.password.value) body.password = form.elements.password.value;
  form.elements.password.value = '';
  api('PUT', '/api/source', body)
    .then((src) => {
      renderSource(src);
      show('[data-testid=source-result]', 'Saved.');
    })
    .catch((err) => show('[data-testid=source-result]', err.message, true));
});

$('#source-form').elements.type.addEventListener('change', (ev) => {
  const defaults = { sqlserver: 1433, postgres: 5432, mysql: 3306 };
  $('#source-form').elements.port.value = String(defaults[ev.currentTarget.value]);
});

$('#export-bundle').addEventListener('click', () => {
  show('[data-testid=bundle-result]', 'Exporting…');
  api('POST', '/api/export-bundle', {})
    .then((b) => show('[data-testid=bundle-result]', `Wrote ${b.path} (${formatBytes(b.bytes)})`))
    .catch((err) => show('[data-testid=bundle-result]', err.message, true));
});

api('GET', '/api/source')
  .then(renderSource)
  .catch((err) => console.warn('source settings:', err.message));
void poll();
