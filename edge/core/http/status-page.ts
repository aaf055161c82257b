// The status page's HTML: a shell with the first snapshot embedded as JSON and
// a small script that draws it (tables by textContent, the chart with uPlot)
// and fetches /status/data.json every few seconds.
import type { StatusSnapshot } from './routes-status';

/** The page refreshes this often: a few seconds is live enough and costs the edge little. */
export const STATUS_REFRESH_MS = 5_000;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222;background:#fafafa}
h1{font-size:1.3rem;margin:0 0 .2rem}h2{font-size:1.05rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;background:#fff;min-width:40%}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
th{background:#f0f0f0}.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#777}
.figures{display:flex;gap:1rem;flex-wrap:wrap}.figure{background:#fff;border:1px solid #ddd;padding:.5rem .9rem;min-width:8rem}
.figure b{display:block;font-size:1.3rem}#chart{background:#fff;border:1px solid #ddd;display:inline-block}
form input{font:inherit;padding:.3rem;width:22rem}form button{font:inherit;padding:.3rem .8rem}.error{color:#b00}`;

/** JSON inside <script>: `<` escaped so no string in it can close the element. */
const embed = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function loginPage(message?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>vllama status: sign in</title><style>${STYLE}</style></head>
<body><h1>vllama status</h1><p>Enter the admin token or the status token.</p>
${message ? `<p class="error">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/status/login"><input type="password" name="token" autocomplete="current-password" autofocus placeholder="token">
<button type="submit">Open</button></form></body></html>`;
}

export function statusPage(snapshot: StatusSnapshot): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>vllama status</title>
<link rel="stylesheet" href="/status/uplot.css"><style>${STYLE}</style></head>
<body><h1>vllama status</h1><div class="muted" id="updated"></div>
<h2>Traffic</h2><div class="figures" id="figures"></div>
<h2>Last 15 minutes</h2><div id="chart"></div>
<h2>Agents</h2><table id="agents"></table>
<h2>Usage per key today (UTC)</h2><table id="usage"></table>
<h2>Recent errors</h2><table id="errors"></table>
<script type="application/json" id="snapshot">${embed(snapshot)}</script>
<script src="/status/uplot.js"></script>
<script>${CLIENT}</script></body></html>`;
}

// Runs in the browser. Plain ES2020, no build step; everything shown goes through textContent.
const CLIENT = `
(() => {
  const REFRESH_MS = ${STATUS_REFRESH_MS};
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
  const table = (id, head, rows, empty) => {
    const t = $(id); t.replaceChildren();
    const tr = el('tr'); head.forEach((h) => tr.append(el('th', h))); t.append(tr);
    if (rows.length === 0) { const r = el('tr'); const td = el('td', empty, 'muted'); td.colSpan = head.length; r.append(td); t.append(r); }
    rows.forEach((cells) => { const r = el('tr'); cells.forEach((c) => r.append(typeof c === 'number' ? el('td', c, 'num') : el('td', c))); t.append(r); });
  };
  const fmt = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
  let chart;

  /** Sums the tenants' series bucket by bucket into rates per second. */
  function rates(snap) {
    const withSeries = snap.tenants.filter((t) => t.figures);
    if (withSeries.length === 0) return [[], [], []];
    const first = withSeries[0].figures.series;
    const x = first.t.slice();
    const req = x.map(() => 0), tok = x.map(() => 0);
    for (const t of withSeries) {
      const s = t.figures.series, at = new Map(s.t.map((v, i) => [v, i]));
      x.forEach((v, i) => { const j = at.get(v); if (j !== undefined) { req[i] += s.requests[j] / s.bucketSeconds; tok[i] += s.tokens[j] / s.bucketSeconds; } });
    }
    return [x, req, tok];
  }

  function draw(snap) {
    $('updated').textContent = 'Updated ' + new Date(snap.now).toLocaleTimeString();
    const data = rates(snap);
    const last = (a) => { const w = a.slice(-7, -1); return w.length ? w.reduce((s, v) => s + v, 0) / w.length : 0; };
    let requests = 0, prompt = 0, completion = 0, errors = 0, inFlight = 0;
    snap.tenants.forEach((t) => { const f = t.figures; if (!f) return; requests += f.requests.total; prompt += f.tokens.prompt; completion += f.tokens.completion; errors += f.errors.total; inFlight += f.requests.inFlight; });
    const figures = [['requests/s (last minute)', fmt(last(data[1])), 'req-rate'], ['tokens/s (last minute)', fmt(last(data[2])), 'token-rate'],
      ['requests since start', requests, 'requests'], ['prompt tokens since start', prompt, 'prompt'], ['completion tokens since start', completion, 'completion'], ['in flight', inFlight, 'inflight'], ['errors since start', errors, 'errors']];
    $('figures').replaceChildren(...figures.map(([label, value, id]) => { const d = el('div', undefined, 'figure'); const b = el('b', value); b.id = 'fig-' + id; d.append(b, el('span', label)); return d; }));
    if (window.uPlot) {
      if (!chart) {
        chart = new uPlot({ width: Math.min(900, window.innerWidth - 60), height: 260,
          series: [{}, { label: 'requests/s', stroke: '#1f77b4', width: 2 }, { label: 'tokens/s', stroke: '#d62728', width: 2, scale: 'tok' }],
          axes: [{}, { label: 'requests/s' }, { side: 1, scale: 'tok', label: 'tokens/s', grid: { show: false } }] }, data, $('chart'));
      } else chart.setData(data);
    }
    window.__vllamaStatus = { snapshot: snap, data, chart };
    const agents = [];
    snap.tenants.forEach((t) => t.agents.forEach((a) => agents.push([t.tenant, a.agentId, (a.gpus || []).map((g) => g.name + (g.memoryMiB ? ' (' + g.memoryMiB + ' MiB)' : '')).join(', ') || '—',
      a.models.join(', '), a.inflight, a.maxInflight, a.draining ? 'draining' : a.ready ? 'ready' : 'not ready', a.version || ''])));
    table('agents', ['tenant', 'agent', 'GPU', 'models', 'in flight', 'capacity', 'state', 'version'], agents, 'No agent connected.');
    const usage = [];
    snap.tenants.forEach((t) => t.usageToday.forEach((u) => usage.push([t.tenant, u.keyId, u.requests, u.promptTokens, u.completionTokens])));
    table('usage', ['tenant', 'key', 'requests', 'prompt tokens', 'completion tokens'], usage, 'No usage today.');
    const errs = [];
    snap.tenants.forEach((t) => (t.figures ? t.figures.errors.recent : []).forEach((e) => errs.push([new Date(e.at).toLocaleTimeString(), t.tenant, e.status, e.code, e.model, e.route, e.keyId, e.requestId])));
    errs.sort((a, b) => (a[0] < b[0] ? 1 : -1));
    table('errors', ['time', 'tenant', 'status', 'code', 'model', 'route', 'key', 'request id'], errs, 'No errors.');
  }

  draw(JSON.parse($('snapshot').textContent));
  setInterval(async () => {
    try {
      const res = await fetch('/status/data.json', { credentials: 'same-origin' });
      if (res.ok) draw(await res.json());
    } catch {}
  }, REFRESH_MS);
})();
`;
