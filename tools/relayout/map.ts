// The re-layout of agent/ and edge/core/ (issue 14) as data: read by relayout.ts,
// which moves the files, rewrites every path that names them and writes the faces.
// To cover a file this map misses (the script lists them), add a line and run again.

/** Old path → new path, relative to the repository root. A `x.test.ts` beside a moved `x.ts` follows it unless listed. */
export const moves: Record<string, string> = {
  // agent/link: the one WebSocket to the edge (dialing, hello/welcome, heartbeats, reconnect).
  'agent/edge-link.ts': 'agent/link/edge-link.ts',
  'agent/link-session.ts': 'agent/link/link-session.ts',
  'agent/backoff.ts': 'agent/link/backoff.ts',
  'agent/ws-mask.ts': 'agent/link/ws-mask.ts',
  // agent/relay: frames ⇄ HTTP to the upstream.
  'agent/relay.ts': 'agent/relay/link-relay.ts',
  'agent/relay.test.ts': 'agent/relay/link-relay.test.ts',
  'agent/headers.ts': 'agent/relay/headers.ts',
  'agent/response-pump.ts': 'agent/relay/response-pump.ts',
  'agent/upstream.ts': 'agent/relay/upstream.ts',
  'agent/usage-tap.ts': 'agent/relay/usage-tap.ts',
  // agent/supervisor: vLLM's argv, process, readiness, restarts, systemd unit, GPU facts.
  'agent/supervisor.ts': 'agent/supervisor/supervisor.ts',
  'agent/supervisor-defaults.ts': 'agent/supervisor/defaults.ts',
  'agent/supervisor-restarts.ts': 'agent/supervisor/restarts.ts',
  'agent/supervisor-restarts.test.ts': 'agent/supervisor/restarts.test.ts',
  'agent/health-watch.ts': 'agent/supervisor/health-watch.ts',
  'agent/process-group.ts': 'agent/supervisor/process-group.ts',
  'agent/readiness.ts': 'agent/supervisor/readiness.ts',
  'agent/readiness-progress.ts': 'agent/supervisor/readiness-progress.ts',
  'agent/systemd.ts': 'agent/supervisor/systemd.ts',
  'agent/vllm-args.ts': 'agent/supervisor/vllm-args.ts',
  'agent/gpu.ts': 'agent/supervisor/gpu.ts',
  'agent/executable-path.ts': 'agent/supervisor/executable-path.ts',
  // Test support and suites out of the agent.
  'agent/relay-sim.test.ts': 'test/relay-sim.test.ts',
  'agent/fixtures/fake-edge.ts': 'test/support/fake-edge.ts',
  'agent/fixtures/upstream.ts': 'test/support/test-upstream.ts',
  'test/fixtures/fake-vllm.mjs': 'test/support/fake-vllm.mjs',

  // edge/core/link: one agent's connection (token check, handshake, stream ids, stream-0 frames, outgoing socket).
  'edge/core/agent-link.ts': 'edge/core/link/agent-link.ts',
  'edge/core/agent-link-connection-frames.ts': 'edge/core/link/connection-frames.ts',
  'edge/core/agent-link-handshake.ts': 'edge/core/link/handshake.ts',
  'edge/core/agent-link-socket.ts': 'edge/core/link/link-socket.ts',
  'edge/core/agent-link-stream-ids.ts': 'edge/core/link/stream-ids.ts',
  'edge/core/agent-auth.ts': 'edge/core/link/agent-auth.ts',
  // edge/core/relay: one request's life (its RequestRelay across retries, the stream, the body).
  'edge/core/relay.ts': 'edge/core/relay/request-relay.ts',
  'edge/core/relay.test.ts': 'edge/core/relay/request-relay.test.ts',
  'edge/core/relay-stream.ts': 'edge/core/relay/relay-stream.ts',
  'edge/core/relay-stream-body.ts': 'edge/core/relay/relay-stream-body.ts',
  // edge/core/hub: a tenant's agents, routing, the wait queue, the Hub's errors and the host contract.
  'edge/core/hub.ts': 'edge/core/hub/hub.ts',
  'edge/core/hub-errors.ts': 'edge/core/hub/hub-errors.ts',
  'edge/core/hub-types.ts': 'edge/core/hub/hub-types.ts',
  'edge/core/queue.ts': 'edge/core/hub/queue.ts',
  // edge/core/http: the Hono apps (whole edge, OpenAI routes, admin API) and what they read from a request.
  'edge/core/app.ts': 'edge/core/http/app.ts',
  'edge/core/routes-openai.ts': 'edge/core/http/routes-openai.ts',
  'edge/core/routes-admin.ts': 'edge/core/http/routes-admin.ts',
  'edge/core/request-body.ts': 'edge/core/http/request-body.ts',
  'edge/core/request-id.ts': 'edge/core/http/request-id.ts',
  'edge/core/forward-headers.ts': 'edge/core/http/forward-headers.ts',
  'edge/core/error-handler.ts': 'edge/core/http/error-handler.ts',
  // edge/core/store: keys, tenants, usage, limits over the one Sql interface.
  'edge/core/keys.ts': 'edge/core/store/keys.ts',
  'edge/core/store.ts': 'edge/core/store/store.ts',
  'edge/core/schema.ts': 'edge/core/store/schema.ts',
  'edge/core/sql.ts': 'edge/core/store/sql.ts',
  'edge/core/limits.ts': 'edge/core/store/limits.ts',
  // Test support out of the core.
  'edge/core/fake-agent.ts': 'test/support/fake-agent.ts',

  // Files of issues 13, 15 and 16 (merged after the first run of this map).
  'edge/core/agent-link-faults.test.ts': 'edge/core/link/agent-link-faults.test.ts',
  'edge/core/control-rate.ts': 'edge/core/link/control-rate.ts',
  'edge/core/concurrency-gate.ts': 'edge/core/hub/concurrency-gate.ts',
  'edge/core/api-key-header.ts': 'edge/core/http/api-key-header.ts',
  'edge/core/auth-throttle.ts': 'edge/core/http/auth-throttle.ts',
  'edge/core/error-shape.ts': 'edge/core/http/error-shape.ts',
  'edge/core/keep-alive.ts': 'edge/core/http/keep-alive.ts',
  'edge/core/rate-headers.ts': 'edge/core/http/rate-headers.ts',
  'edge/core/status-page.ts': 'edge/core/http/status-page.ts',
  'edge/core/vllm-routes.ts': 'edge/core/http/vllm-routes.ts',
  'edge/core/key-rows.ts': 'edge/core/store/key-rows.ts',
  'edge/core/rate-counters.ts': 'edge/core/store/rate-counters.ts',
  'edge/core/rate-window.ts': 'edge/core/store/rate-window.ts',
  // edge/core/metrics: the figures every part reports (the interface), per request, per tunnel message, per tenant.
  'edge/core/metrics.ts': 'edge/core/metrics/metrics.ts',
  'edge/core/metrics-figures.ts': 'edge/core/metrics/metrics-figures.ts',
  'edge/core/metrics-request.ts': 'edge/core/metrics/metrics-request.ts',
  'edge/core/metrics-tunnel.ts': 'edge/core/metrics/metrics-tunnel.ts',
};

/**
 * For files the map does not name (new on other branches): the first pattern that
 * matches a file at the top of agent/ or edge/core/ moves it into `to`, keeping its
 * name. The script lists every file it moved this way, to be checked and, if wrong,
 * named in `moves`.
 */
export const patterns: { match: string; to: string }[] = [
  { match: 'agent/edge-link*.ts', to: 'agent/link' },
  { match: 'agent/link-*.ts', to: 'agent/link' },
  { match: 'agent/relay-*.ts', to: 'agent/relay' },
  { match: 'agent/response-*.ts', to: 'agent/relay' },
  { match: 'agent/upstream*.ts', to: 'agent/relay' },
  { match: 'agent/usage-*.ts', to: 'agent/relay' },
  { match: 'agent/supervisor-*.ts', to: 'agent/supervisor' },
  { match: 'agent/vllm-*.ts', to: 'agent/supervisor' },
  { match: 'agent/readiness*.ts', to: 'agent/supervisor' },
  { match: 'edge/core/agent-link*.ts', to: 'edge/core/link' },
  { match: 'edge/core/relay-*.ts', to: 'edge/core/relay' },
  { match: 'edge/core/hub-*.ts', to: 'edge/core/hub' },
  { match: 'edge/core/queue-*.ts', to: 'edge/core/hub' },
  { match: 'edge/core/routes-*.ts', to: 'edge/core/http' },
  { match: 'edge/core/request-*.ts', to: 'edge/core/http' },
  { match: 'edge/core/response-*.ts', to: 'edge/core/http' },
  { match: 'edge/core/ollama-*.ts', to: 'edge/core/ollama' },
  { match: 'edge/core/store-*.ts', to: 'edge/core/store' },
  { match: 'edge/core/limits-*.ts', to: 'edge/core/store' },
  { match: 'edge/core/usage-*.ts', to: 'edge/core/store' },
  { match: 'edge/core/keys-*.ts', to: 'edge/core/store' },
  // Test support, wherever another branch added it: fixtures live in test/support/.
  { match: 'edge/core/fake-*.ts', to: 'test/support' },
  { match: 'agent/fixtures/*', to: 'test/support' },
  { match: 'test/fixtures/*', to: 'test/support' },
];

/** Files that stay at the top of a re-laid-out folder on purpose (the script lists any other file it finds there). */
export const roots: string[] = [
  'agent/index.ts', 'agent/agent.ts', 'agent/agent.test.ts', 'agent/daemon.ts',
  'agent/config.ts', 'agent/config.test.ts', 'agent/defaults.ts',
  'edge/core/errors.ts', 'edge/core/defaults.ts', 'edge/core/log.ts',
  'agent/log.ts', 'agent/metrics.ts', 'agent/metrics.test.ts',
];

/** Folders whose files are moved by this map, checked for files it does not cover. */
export const relaidFolders = ['agent', 'edge/core', 'agent/fixtures', 'test/fixtures'];

/**
 * The faces: a folder's index.ts, the only file of it that code outside the folder
 * imports. `note` opens a face the script creates. Cross-part imports are rewritten
 * to these, and the face gets an export for each name imported through it.
 */
export const faces: { dir: string; note: string }[] = [
  { dir: 'agent', note: 'The agent: what cli/, bench/ and test/ use of it.' },
  { dir: 'agent/link', note: "The agent's end of the WebSocket to the edge." },
  { dir: 'agent/relay', note: 'Frames ⇄ HTTP to the upstream: the streams of one link.' },
  { dir: 'agent/supervisor', note: "vLLM's argv, process group, readiness, restarts, systemd unit and GPU facts." },
  { dir: 'edge/core/link', note: "One agent's connection as the Hub sees it." },
  { dir: 'edge/core/relay', note: "One request's life through the Hub: its relay, stream and body." },
  { dir: 'edge/core/hub', note: "A tenant's Hub: agents, routing, wait queue, and the contract with the hosts." },
  { dir: 'edge/core/http', note: 'The Hono apps of the edge and what they read from a request.' },
  { dir: 'edge/core/store', note: 'Tenants, keys, usage and limits over the one Sql interface.' },
  { dir: 'edge/core/metrics', note: 'What the edge counts: the interface the parts report to, per request, per tunnel message and per tenant.' },
  { dir: 'edge/core/ollama', note: "Ollama's API (/api/*) translated to and from the OpenAI requests the Hub relays." },
  { dir: 'protocol', note: 'Protocol v1 between edge and agent: the only code both sides share.' },
];

/**
 * An import of `from` made by a file matching `importer` goes to `to` instead:
 * core tests use an in-memory SQL database, not the Node host's.
 */
export const retargets: { importer: string; from: string; to: string }[] = [
  { importer: 'edge/core/**/*.test.ts', from: 'edge/node/sqlite.ts', to: 'test/support/memory-sql.ts' },
];

/**
 * Renames applied to the text of the files matching `in` (paths after the moves) and of
 * every file that imports `definedIn` (its path after the moves), as regular expressions;
 * each `to` must not match its `from` again (idempotence).
 */
export const renames: { in: string[]; definedIn?: string; from: string; to: string; why: string }[] = [
  { in: ['edge/core/**'], definedIn: 'edge/core/relay/request-relay.ts', from: '\\bRelay\\b', to: 'RequestRelay', why: "the edge's one client request across retries" },
  { in: ['agent/**'], definedIn: 'agent/relay/link-relay.ts', from: '\\bRelay\\b', to: 'LinkRelay', why: "the agent's streams of one edge link" },
  { in: [], definedIn: 'edge/node/tenant-hubs.ts', from: '\\bTenantEdge\\b', to: 'LiveTenant', why: "the Node host's in-memory tenant; TenantEdge is the Durable Object's" },
  { in: ['edge/core/**/*.test.ts'], from: "openSqlite\\(':memory:'\\)", to: 'openMemorySql()', why: 'core tests use test/support/memory-sql.ts' },
  { in: ['edge/core/**/*.test.ts'], from: '\\bSqliteSql\\b', to: 'MemorySql', why: 'core tests use test/support/memory-sql.ts' },
  { in: ['edge/core/**/*.test.ts'], from: '\\bopenSqlite\\b', to: 'openMemorySql', why: 'core tests use test/support/memory-sql.ts' },
];

/** Text files whose paths and imports the script rewrites (by extension), and what it never touches. */
export const textExtensions = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.toml', '.md', '.yml', '.yaml', '.sh'];
export const untouched = ['node_modules/**', 'dist/**', '.wrangler/**', 'bench/results/**', 'package-lock.json', 'tools/relayout/**'];
