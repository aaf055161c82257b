// The OpenAI-compatible API of ONE tenant: checks the key, the body and the
// key's limits, then relays the request through the tenant's Hub unchanged.
import { Hono, type Handler, type MiddlewareHandler } from 'hono';
import { DeadlineQueue, usageHint } from '../../../protocol/index';
import { apiKeyHeader } from './api-key-header';
import { invalidApiKey, notFound, onError } from './error-handler';
import { forwardableHeaders } from './forward-headers';
import { modelNotFound, type AgentInfo, type ClientSignal, type RelayRequest, tenantGate, type ConcurrencyGate } from '../hub/index';
import { parseApiKey, KeyLimiter, type ApiKeyRecord, type TenantStore } from '../store/index';
import { KEEP_ALIVE_MS } from '../defaults';
import { keepAliveWhileWaiting } from './keep-alive';
import { noLog, type EdgeLogger } from '../log';
import { type EdgeMetrics, RequestObservation } from '../metrics/index';
import { rateLimitHeaders } from './rate-headers';
import { readBody } from './request-body';
import { RelayedRequest } from './relayed-request';
import { checkRelayHead, checkRequestHeaders, checkRequestPath } from './request-checks';
import { checkOpenAIBody } from './request-json';
import { requestId } from './request-id';
import { requestModel } from './request-model';
import { requestTarget } from './request-target';
import { anyModel, VLLM_ROOT_POST_PATHS } from './vllm-routes';

/** What the routes need of a Hub; the Hub of edge/core/hub/hub.ts is one. */
export interface RelayHub {
  relay(req: RelayRequest): Promise<Response>;
  models(): string[];
  agents(): AgentInfo[];
}

export interface OpenAIRoutesOptions {
  tenant: string;
  store: Pick<TenantStore, 'verifyKey' | 'recordUsage' | 'counters' | 'tokensToday' | 'now'>;
  hub: RelayHub;
  /** Shared by every app of the tenant, so per-key limits hold across them. */
  limiter?: KeyLimiter;
  /** Per-key concurrency; shared like the limiter. */
  gate?: ConcurrencyGate;
  /** How long a request may wait for its key's concurrency slot (the Hub's queue timeout by default). */
  queueTimeoutMs?: number;
  /** SSE keep-alive interval for streamed requests that wait (defaults.ts KEEP_ALIVE_MS). */
  keepAliveMs?: number;
  /**
   * What a host with cheaper access than the web Request (Node's parsed request and its
   * ServerResponse) reads from its env: the headers to forward, the body and the client-gone signal.
   * Undefined falls back to `Request.headers` and `Request.signal`.
   */
  fromHost?: (env: unknown) => HostRequest | undefined;
  /** How long a request body may take to arrive before 408 (defaults.ts BODY_TIMEOUT_MS). */
  bodyTimeoutMs?: number;
  log?: (line: string) => void;
  /** Counters and histograms of every request (metrics.ts). */
  metrics?: EdgeMetrics;
  /** Where the one line per request goes. */
  logger?: EdgeLogger;
}

export interface HostRequest {
  /** Forwardable headers, as `forwardableHeaders` would pick them. */
  headers: Record<string, string>;
  signal: ClientSignal;
  /** The body, read as `readBody` reads it (the same limits and errors), from the host's own request. */
  body(limit: number, timeoutMs?: number): Promise<Uint8Array>;
}

type OpenAIEnv = { Variables: { requestId: string; key: ApiKeyRecord; observation: RequestObservation } };

export function openaiRoutes(opts: OpenAIRoutesOptions): Hono<OpenAIEnv> {
  const { tenant, store, hub } = opts;
  const limiter = opts.limiter ?? new KeyLimiter(store);
  const gate = opts.gate ?? tenantGate(opts.queueTimeoutMs);
  // The tenant's streamed requests' keep-alive beats, on one timer (relay/deadlines.ts).
  const beats = new DeadlineQueue(opts.keepAliveMs ?? KEEP_ALIVE_MS);
  const log = opts.log ?? noLog;
  const observer = { metrics: opts.metrics, logger: opts.logger };
  const app = new Hono<OpenAIEnv>();

  // Checks the key, then observes the request from there on. One middleware, not two:
  // each layer of Hono's compose is a dispatch and a promise per request.
  const authenticated: MiddlewareHandler<OpenAIEnv> = async (c, next) => {
    const parsed = parseApiKey(apiKeyHeader((name) => c.req.header(name)));
    const key = parsed && parsed.tenant === tenant ? await store.verifyKey(tenant, parsed.key) : null;
    if (!key) throw invalidApiKey();
    c.set('key', key);
    const obs = new RequestObservation(observer, {
      tenant,
      requestId: c.get('requestId'),
      keyId: key.id,
      method: c.req.method,
      route: c.req.path,
    });
    c.set('observation', obs);
    await next();
    obs.answered(c.res.status, c.error);
    if (!obs.relayed) obs.finished();
  };

  app.use('*', requestId());
  for (const path of ['/v1/*', ...VLLM_ROOT_POST_PATHS, '/v2/*']) app.use(path, authenticated);

  app.get('/v1/models', (c) => {
    const allowed = c.get('key').limits.models;
    const data = listModels(hub).filter((m) => !allowed || allowed.includes(m.id));
    return c.json({ object: 'list', data });
  });

  app.get('/v1/models/:model{.+}', (c) => {
    const id = c.req.param('model');
    const allowed = c.get('key').limits.models;
    const model = listModels(hub).find((m) => m.id === id);
    if (!model || (allowed && !allowed.includes(id))) throw modelNotFound(id);
    return c.json(model);
  });

  // Relayed as bytes: routed by the body's model, or to any agent of the tenant where it names none.
  const relayed: Handler<OpenAIEnv> = async (c) => {
    const key = c.get('key');
    const { pathname, path } = requestTarget(c.req.url);
    // Path and headers first: a request the agent could not take is refused before its body is read.
    checkRequestPath(path);
    const host = opts.fromHost?.(c.env);
    const headers = host?.headers ?? forwardableHeaders(c.req.raw.headers);
    checkRequestHeaders(headers);
    const body = await (host ? host.body(key.limits.maxBodyBytes, opts.bodyTimeoutMs) : readBody(c.req.raw, key.limits.maxBodyBytes, opts.bodyTimeoutMs));
    const named = requestModel(c.req.header('content-type'), body);
    // OpenAI's JSON endpoints require a model and get their field types checked here; vLLM's
    // own routes and forms default to the served model.
    const openaiJson = named.kind === 'json' && c.req.method === 'POST' && pathname.startsWith('/v1/');
    const model = openaiJson ? checkOpenAIBody(pathname, named.json) : (named.model ?? anyModel(hub.models(), key.limits.models));
    if (key.limits.models && !key.limits.models.includes(model)) throw modelNotFound(model);
    const id = c.get('requestId');
    checkRelayHead({ method: c.req.method, path, headers, requestId: id, model });

    const rate = rateLimitHeaders(limiter.admit(key));
    const obs = c.get('observation');
    obs.model = model;
    // The events outlive the handler by the whole stream: they hold strings, not the Hono context.
    const events = new RelayedRequest(obs, store, key.id, model, id, log);
    const streamed = (named.json as { stream?: unknown } | undefined)?.stream === true;
    const req: RelayRequest = {
      method: c.req.method,
      path,
      headers,
      body,
      model,
      requestId: id,
      // The agent need not parse the body again to ask vLLM for usage (protocol/usage-hint.ts).
      usageHint: openaiJson ? usageHint(c.req.method, pathname, named.json as Record<string, unknown>) : undefined,
      signal: host?.signal ?? c.req.raw.signal,
      responseHeaders: rate,
      events,
      keepAlive: streamed ? beats : undefined,
    };
    obs.relayed = true;
    const relay = relayInSlot(hub, gate, key.id, key.limits.maxConcurrent, req, events);
    if (!streamed) return relay;
    return keepAliveWhileWaiting(relay, { beats, headers: { 'x-request-id': id, ...rate }, log });
  };
  app.post('/v1/*', relayed);
  app.on(['GET', 'DELETE'], '/v1/responses/:id{.+}', relayed);
  for (const path of VLLM_ROOT_POST_PATHS) app.post(path, relayed);
  app.all('/v2/*', relayed);

  app.notFound(notFound);
  app.onError(onError(log));
  return app;
}

interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: 'vllama';
}

/** The Hub's models in OpenAI's shape; `created` is when the first agent serving it connected. */
function listModels(hub: RelayHub): ModelObject[] {
  const agents = hub.agents();
  return hub.models().map((id) => {
    const since = agents.filter((a) => a.models.includes(id)).map((a) => a.connectedAt);
    const created = Math.floor((since.length ? Math.min(...since) : Date.now()) / 1000);
    return { id, object: 'model', created, owned_by: 'vllama' };
  });
}

/**
 * Waits for the key's concurrency slot (none when `max` is null), then relays;
 * the slot is freed when the stream is over (`events.done`).
 */
async function relayInSlot(
  hub: RelayHub,
  gate: ConcurrencyGate,
  keyId: string,
  max: number | null,
  req: RelayRequest,
  events: RelayedRequest,
): Promise<Response> {
  const release = max === null ? undefined : (gate.tryAcquire(keyId, max) ?? (await gate.acquire(keyId, max, req.signal)));
  if (release) events.release = release;
  try {
    const res = await hub.relay(req);
    events.responded(res.status);
    return res;
  } catch (err) {
    release?.();
    throw err;
  }
}
