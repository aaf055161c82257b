// What the edge core reports for metrics and request logs: one small interface
// the Hub and the routes call; each host implements it (prom-client and pino on
// Node, plain counters and JSON lines in a Durable Object on Workers).

/** One request as it ended, for counters, histograms and the request log line. */
export interface RequestRecord {
  tenant: string;
  requestId: string;
  /** The key's id (never its secret). */
  keyId: string;
  method: string;
  /** The path without its query, e.g. `/v1/chat/completions`. */
  route: string;
  /** The body's `model`; '' for requests without one (GET /v1/models). */
  model: string;
  status: number;
  /** The error's code when the request failed (status >= 400, or a stream that broke off). */
  errorCode?: string;
  promptTokens: number;
  completionTokens: number;
  /** Seconds from arrival to the first body byte from the agent; undefined when none came. */
  ttftSeconds?: number;
  durationSeconds: number;
  /** When it ended (ms since epoch). */
  endedAt: number;
}

export type TunnelDirection = 'in' | 'out';

export interface EdgeMetrics {
  /** A request was authenticated and is being served (in flight until requestFinished). */
  requestStarted(tenant: string): void;
  /** Called once per requestStarted, however the request ended. */
  requestFinished(record: RequestRecord): void;
  /** A request left the queue for an agent after waiting this long (0 when it never waited). */
  queueWait(tenant: string, seconds: number): void;
  /** An agent finished its handshake; `reconnect` when this agent id was connected before. */
  agentConnected(tenant: string, agentId: string): void;
  agentDisconnected(tenant: string, agentId: string): void;
  /** One WebSocket message on an agent socket: `in` from the agent, `out` to it. */
  tunnel(tenant: string, direction: TunnelDirection, frames: number, bytes: number): void;
}

/** Fans every call out to several implementations (e.g. Prometheus and the status page's figures). */
export function teeMetrics(...sinks: EdgeMetrics[]): EdgeMetrics {
  if (sinks.length === 1) return sinks[0];
  // Plain loops: tunnel() runs per WebSocket message, and a forEach callback would be a closure per call.
  return {
    requestStarted(t) {
      for (const s of sinks) s.requestStarted(t);
    },
    requestFinished(r) {
      for (const s of sinks) s.requestFinished(r);
    },
    queueWait(t, seconds) {
      for (const s of sinks) s.queueWait(t, seconds);
    },
    agentConnected(t, a) {
      for (const s of sinks) s.agentConnected(t, a);
    },
    agentDisconnected(t, a) {
      for (const s of sinks) s.agentDisconnected(t, a);
    },
    tunnel(t, d, f, b) {
      for (const s of sinks) s.tunnel(t, d, f, b);
    },
  };
}

/** Frames in one WebSocket message: walks the u32 length prefixes (protocol/frame-codec.ts), no allocation. */
export function countFrames(message: Uint8Array): number {
  let frames = 0;
  let offset = 0;
  while (offset + 4 <= message.byteLength) {
    const length = ((message[offset] << 24) | (message[offset + 1] << 16) | (message[offset + 2] << 8) | message[offset + 3]) >>> 0;
    offset += 4 + length;
    frames++;
  }
  return frames;
}

/** The OpenAI and vLLM routes counted by name; anything else is `other`, so made-up paths cannot grow the series. */
const KNOWN_ROUTES = new Set([
  '/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/models', '/v1/responses', '/v1/rerank', '/v1/score',
  '/v1/audio/transcriptions', '/v1/audio/translations', '/v1/moderations', '/v1/tokenize', '/v1/detokenize',
]);

/** A request's path as a metric label: a known route, `/v1/models/:model`, or `other`. */
export function routeLabel(path: string): string {
  if (KNOWN_ROUTES.has(path)) return path;
  if (path.startsWith('/v1/models/')) return '/v1/models/:model';
  return 'other';
}
