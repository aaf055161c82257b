// Defaults of the edge, each with where its number comes from.

// Routes and store

/**
 * Largest request body a key may send unless its own limit says otherwise.
 * A 128k-token prompt is about 0.5 MB of JSON; a 4 MiB photo is 5.3 MiB as
 * base64 in a vision request. 8 MiB admits that and bounds what one request
 * pins in edge memory (the body is read whole to find `model`).
 */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Length of the requests-per-minute window, in ms. */
export const RATE_WINDOW_MS = 60_000;

/** Retry-After, in seconds, when a key is at its concurrent-stream limit: streams end in seconds. */
export const CONCURRENCY_RETRY_AFTER_S = 1;

/** A client's `x-request-id` is kept when it is at most this long (and of [\w.-]); OpenAI's ids are ~30. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** Path the agent dials (protocol/README.md). */
export const AGENT_CONNECT_PATH = '/agent/v1/connect';

/** ws-level ping interval for agent sockets: protocol v1's heartbeat (protocol/defaults.ts). */
export const AGENT_PING_INTERVAL_MS = 15_000;

/** Pings an agent socket may miss before the Node host terminates it (2 × 15 s ≈ the agent's own 3-interval limit). */
export const AGENT_MISSED_PONGS = 2;

/**
 * Largest WebSocket message the Node host accepts from an agent: senders cap
 * coalesced messages at 1 MiB (MAX_MESSAGE_BYTES), so 2 MiB leaves headroom
 * and still stops a runaway peer (ws's own default is 100 MiB).
 */
export const AGENT_MAX_PAYLOAD = 2 * 1024 * 1024;

// Hub

/**
 * How long a request waits for an agent that can take it before 503. Agents
 * redial within seconds after a Cloudflare deploy terminates their sockets
 * (ARCHITECTURE.md); 30 s covers that with margin and stays far below the
 * openai SDK's 10-minute request timeout.
 */
export const QUEUE_TIMEOUT_MS = 30_000;

/** Most requests waiting per tenant; about one second of a Durable Object's ~1,000 requests/s. */
export const MAX_QUEUE = 1_000;

/**
 * A model some agent served this recently is still "known": requests for it
 * wait rather than 404, so a vLLM restart (minutes for a large model) or an
 * agent redial does not turn into "model does not exist".
 */
export const MODEL_MEMORY_MS = 5 * 60_000;

/**
 * For this long after a Hub starts it has no memory of which models were
 * served (a deploy restarts the Durable Object; agents redial one by one),
 * so requests for models nobody advertises yet wait instead of 404.
 */
export const STARTUP_GRACE_MS = 10_000;

/**
 * Attempts per request when agents vanish before answering: enough to ride
 * out a redeploy, few enough that a request that crashes vLLM cannot take
 * down every agent in turn.
 */
export const MAX_ATTEMPTS = 3;

/**
 * Stream ids are reserved (and persisted with the socket) in blocks this big,
 * so a Durable Object restored from hibernation never reuses an id, at one
 * attachment write per 1,024 requests.
 */
export const STREAM_ID_BLOCK = 1024;

/**
 * How long an authenticated agent socket may stay open without sending
 * `hello`, before it is closed 1008. An agent sends it as soon as the socket
 * opens, after at most one `/v1/models` call to its upstream (5 s timeout,
 * agent/defaults.ts MODELS_TIMEOUT_MS); 10 s leaves room for that and a slow
 * uplink, and stops a stuck or foreign client from holding a socket (and, on
 * Workers, its Durable Object awake) forever.
 */
export const HELLO_TIMEOUT_MS = 10_000;

/** Seconds a client should wait before retrying a 429/503 from the Hub. */
export const HUB_RETRY_AFTER_S = 1;

/**
 * The Node edge sums usage in memory and writes it once a second
 * (TenantStore usageFlushMs): one UPSERT per request was 7 % of its CPU per
 * request. A Durable Object writes at once: it may be evicted without a
 * shutdown hook, and its SQLite writes are already coalesced by the runtime.
 */
export const USAGE_FLUSH_MS = 1000;

// Limits and keep-alive

/**
 * A streamed request that waits (a key's concurrency queue, the Hub's queue, a
 * long prefill) gets an SSE `: keep-alive` comment this often before its first
 * byte. 5 s is well inside the idle timeouts that cut quiet streams: nginx's
 * proxy_read_timeout 60 s, Cloudflare's 100 s, AWS ALB's 60 s default.
 */
export const KEEP_ALIVE_MS = 5_000;

/**
 * Most requests one key may have waiting for a concurrency slot; more get 429
 * at once. The tenant's own queue holds MAX_QUEUE; one key may fill it.
 */
export const MAX_KEY_QUEUE = 1_000;
