// Defaults of the agent; each says where its number comes from.
import { HEARTBEAT_INTERVAL_MS } from '../protocol/index';

/**
 * Concurrent streams the agent advertises and the size of its upstream pool:
 * vLLM's `--max-num-seqs` as tuned in ARCHITECTURE.md (256). Fewer pool
 * connections than sequences would queue requests in the agent that vLLM could
 * have batched (the seed project's 35× loss at 5 concurrent requests).
 */
export const MAX_INFLIGHT = 256;

/**
 * First reconnect delay. Cloudflare terminates WebSockets on every deploy
 * (ARCHITECTURE.md), so the first retry must come almost at once.
 */
export const RECONNECT_BASE_MS = 200;

/**
 * Longest reconnect delay: 5 s keeps an agent back "within seconds" after an
 * edge outage, while 1,000 agents redialling cost the edge ~200 upgrades/s.
 */
export const RECONNECT_CAP_MS = 5_000;

/** Heartbeat interval until `welcome` names the edge's own (protocol defaults). */
export const HEARTBEAT_MS = HEARTBEAT_INTERVAL_MS;

/** A peer silent for this many heartbeat intervals is dead (protocol/README.md). */
export const MISSED_HEARTBEATS = 3;

/**
 * Time to wait for `welcome` after `hello`; an edge that upgrades but never
 * answers is as good as down. Twice the longest reconnect delay.
 */
export const WELCOME_TIMEOUT_MS = 10_000;

/**
 * Socket backlog above which relays stop reading upstream bodies (ws's own
 * backpressure pattern: watch `bufferedAmount`). 4 MiB is four of the largest
 * coalesced messages (protocol MAX_MESSAGE_BYTES), enough to keep a fast link
 * busy without holding much memory when the edge is slow.
 */
export const BUFFERED_HIGH_WATER = 4 * 1024 * 1024;

/** Backlog below which paused relays resume: a quarter of the high-water mark, so they do not flap. */
export const BUFFERED_LOW_WATER = 1024 * 1024;

/**
 * Largest request body the agent buffers before calling the upstream. The sim
 * and the edge both cap bodies at 32 MiB (Workers' largest WebSocket message);
 * twice that leaves room for edges configured with a larger limit.
 */
export const MAX_REQUEST_BODY = 64 * 1024 * 1024;

/**
 * Upstream header and body-idle timeout. A non-streamed completion sends its
 * headers only when generation ends, which under load can take minutes; the
 * openai SDK's own default timeout is 10 minutes, so the client gives up first
 * and its disconnect reaches the agent as `cancel`.
 */
export const UPSTREAM_TIMEOUT_MS = 10 * 60_000;

/** How long `GET /v1/models` may take before the agent advertises itself as not ready. */
export const MODELS_TIMEOUT_MS = 5_000;

/** How often an agent whose upstream did not answer `/v1/models` asks again. */
export const MODELS_RETRY_MS = 2_000;

/**
 * SIGINT/SIGTERM grace for in-flight streams: Kubernetes' default
 * terminationGracePeriodSeconds (30 s); systemd waits 90 s before SIGKILL.
 */
export const DRAIN_GRACE_MS = 30_000;

/**
 * Longest the agent holds a response head waiting for the first body bytes, so
 * head and first chunk cross the link in one message and reach the client in
 * one write (one wake-up and one syscall less per hop and request; issue 17).
 * vLLM sends its head before prefill; a client can do nothing with a head
 * alone, and 5 ms is well under a token's time at any batch size.
 */
export const HEAD_HOLD_MS = 5;
