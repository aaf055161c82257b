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
 * The Node edge sums usage and rate counts in memory and writes them once a
 * second (TenantStore usageFlushMs): one UPSERT per request was 7 % of its CPU
 * per request. A crash loses at most this long of counts.
 */
export const USAGE_FLUSH_MS = 1000;

/**
 * A tenant's Durable Object does the same at most this often. Writing at once
 * (four SQLite statements and a transaction per request) was 11-12 % of
 * workerd's CPU per relayed request (issue 17). The pending timer keeps the
 * object from hibernating until the counts are written (a hibernated object
 * loses its memory); what a deploy or runtime restart, which give no shutdown
 * hook, can lose is this window of finished requests, shorter than Node's
 * because those restarts are routine there, not crashes.
 */
export const DO_USAGE_FLUSH_MS = 250;

// Agent link: what one agent socket may cost the shared edge

/**
 * Bytes queued on an agent socket above which the edge stops sending request
 * bodies on it until it drains (ws's own backpressure pattern). 4 MiB is four
 * of the largest coalesced messages (protocol MAX_MESSAGE_BYTES), the agent's
 * own high-water mark for the other direction (agent/defaults.ts).
 */
export const AGENT_SEND_HIGH_WATER = 4 * 1024 * 1024;

/** Backlog below which paused uploads resume: a quarter of the high-water mark, so they do not flap. */
export const AGENT_SEND_LOW_WATER = 1024 * 1024;

/**
 * Hard cap on what one agent socket may have queued. Above it the agent is
 * closed 1008 at once. Once uploads pause at the high-water mark, only small
 * control frames (heads of new requests, window grants, cancels) still queue,
 * so 32 MiB is never reached by a reading agent; a rogue agent that stopped
 * reading grew the edge to 2.2 GB before this cap (issue 13).
 */
export const AGENT_SEND_BUFFER_MAX = 32 * 1024 * 1024;

/**
 * How long an agent socket may stay above the high-water mark before it is
 * closed 1008 as a peer that does not drain. Draining 3 MiB (high to low
 * water) takes 2.4 s at 10 Mbit/s; 20 s covers a link eight times slower.
 */
export const AGENT_DRAIN_TIMEOUT_MS = 20_000;

/**
 * After the edge closes an agent socket, how long the close handshake may
 * take before the socket is destroyed; a peer that does not read never
 * answers it (ws itself waits 30 s).
 */
export const AGENT_CLOSE_GRACE_MS = 2_000;

/**
 * Connection-level messages (heartbeats in text or as WebSocket pings/pongs,
 * and stream-0 frames: hello, drain, ping, pong) an agent may send per second
 * on average, with a burst of AGENT_CONTROL_BURST. A well-behaved agent sends
 * one heartbeat per 15 s and a hello per upstream restart; a ping flood from
 * one tenant's agent starved the other tenants before this limit (issue 13).
 */
export const AGENT_CONTROL_PER_S = 20;
export const AGENT_CONTROL_BURST = 100;

/**
 * Longest wait for an agent's response head after the request was sent, then
 * 504. A non-streamed completion sends its head only when generation ends; the
 * agent itself gives up on its upstream after 10 minutes
 * (agent/defaults.ts UPSTREAM_TIMEOUT_MS, the openai SDK's own timeout) and
 * answers 504, so 10.5 minutes only catches an agent that went silent.
 */
export const RESPONSE_HEAD_TIMEOUT_MS = 10 * 60_000 + 30_000;

/**
 * Prompt tokens an agent may report beyond the request body's byte count: a
 * token is at least one byte of the text it encodes, but chat templates add
 * tokens and an image passed by URL becomes thousands of tokens (Qwen2-VL
 * takes up to 16,384 per image). Completion tokens are bounded by the body
 * bytes relayed to the client, with no slack.
 */
export const PROMPT_TOKEN_SLACK = 32_768;

// What the edge takes from HTTP clients (request-checks.ts, request-body.ts, auth-throttle.ts)

/**
 * Most request headers the edge forwards in one `request` frame; more get 431.
 * Apache httpd's LimitRequestFields default (100); clients send 5–15.
 */
export const MAX_REQUEST_HEADERS = 100;

/**
 * Most bytes of forwarded header names and values; more get 431. Node's own
 * `maxHeaderSize` (16 KiB, request line included), so both hosts draw the line
 * at the same place, and 4× under the frame's MAX_CONTROL_PAYLOAD (64 KiB).
 */
export const MAX_REQUEST_HEADER_BYTES = 16 * 1024;

/**
 * How long the whole request body may take to arrive before 408. The largest
 * default body (8 MiB) takes ~34 s over a 2 Mbit/s uplink; a body that never
 * ends (a chunked upload that stops) would otherwise hold the request forever.
 */
export const BODY_TIMEOUT_MS = 60_000;

/**
 * How long a client may take to send the request line and headers before the
 * Node host answers 408 (Node's `headersTimeout`, 60 s by default). Real
 * clients send them in one packet; 10 s bounds what a slowloris client holds.
 */
export const HEADERS_TIMEOUT_MS = 10_000;

/**
 * Failed authentications (401) one source may have in a burst before it gets
 * 429: a token bucket of this size that refills at AUTH_FAILURES_PER_MINUTE.
 * A client with a mistyped key gives up long before; a key guesser is slowed
 * to one guess every 3 s (the keys' 190 bits make guessing hopeless anyway,
 * this bounds the edge's work and the log).
 */
export const AUTH_FAILURE_BURST = 20;
export const AUTH_FAILURES_PER_MINUTE = 20;

/** Sources the failed-auth throttle remembers; beyond this the least recently failed is forgotten. */
export const AUTH_THROTTLE_SOURCES = 10_000;

/**
 * How long the Node edge lets in-flight streams finish after SIGTERM before
 * cutting them: the agent's own --grace default (agent/defaults.ts
 * DRAIN_GRACE_MS, Kubernetes' terminationGracePeriodSeconds).
 */
export const SHUTDOWN_GRACE_MS = 30_000;
// Metrics, logs and the status page

/** The status page's series: 90 buckets of 10 s = the 15 minutes the chart shows; 10 s smooths a ~1 req/s trickle. */
export const FIGURES_BUCKET_MS = 10_000;
export const FIGURES_BUCKETS = 90;

/** Errors the status page lists: a screenful. */
export const FIGURES_RECENT_ERRORS = 20;

/** Agent ids remembered to tell a reconnect from a first connect; bounds what churning ids can make the edge hold. */
export const FIGURES_REMEMBERED_AGENTS = 4096;
/**
 * The version `GET /api/version` reports to Ollama clients. Clients gate features on it
 * (Open WebUI and the ollama libraries read it); 0.9.0 is an Ollama whose API has every
 * field the edge translates (tools, `format` schemas, `/api/embed`, `done_reason`).
 */
export const OLLAMA_COMPAT_VERSION = '0.9.0';

/** What `GET /` answers, byte for byte as Ollama's server does (clients match on it). */
export const OLLAMA_BANNER = 'Ollama is running';
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
