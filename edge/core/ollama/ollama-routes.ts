// Ollama's API (/api/*) for ONE tenant, translated to OpenAI requests made to the
// tenant's own OpenAI app (ollama-upstream.ts), so the agent and vLLM see /v1 only.
// Errors are Ollama's `{"error": "..."}` (error-shape.ts picks it by path).
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { apiKeyHeader, invalidApiKey, notFound, onError, parseJsonBody, readBody, requestId } from '../http/index';
import { HttpError } from '../errors';
import { noLog } from '../log';
import type { ClientSignal } from '../hub/index';
import { parseApiKey, type ApiKeyRecord, type TenantStore } from '../store/index';
import { collectReply, ndjsonStream } from './ollama-ndjson';
import { embedBody, embedReply, type OpenAIEmbeddings } from './ollama-embed';
import { psOf, showOf, tagsOf, type OpenAIModel } from './ollama-models';
import { OllamaReply } from './ollama-reply';
import { chatCall, generateCall, isLoadOnly, type UpstreamCall } from './ollama-requests';
import {
  ollamaChatRequest,
  ollamaEmbeddingsRequest,
  ollamaEmbedRequest,
  ollamaGenerateRequest,
  ollamaShowRequest,
  parseOllama,
} from './ollama-schemas';
import { abortSignalOf, bodyOf, callOpenAI, type FetchApp, type UpstreamContext } from './ollama-upstream';

export interface OllamaRoutesOptions {
  tenant: string;
  store: Pick<TenantStore, 'verifyKey'>;
  /** The tenant's OpenAI app: every Ollama request becomes one request to it. */
  openai: FetchApp;
  /** The host's client-gone signal (routes-openai.ts HostRequest); else Request.signal. */
  fromHost?: (env: unknown) => { signal: ClientSignal } | undefined;
  log?: (line: string) => void;
}

type OllamaEnv = { Variables: { requestId: string; key: ApiKeyRecord; authorization: string } };

/** Routes of Ollama's that manage local model files: a relay to vLLM has none to manage. */
const MODEL_STORE_ROUTES = [
  ['POST', '/api/pull'],
  ['POST', '/api/push'],
  ['POST', '/api/create'],
  ['DELETE', '/api/delete'],
  ['POST', '/api/copy'],
  ['POST', '/api/blobs/:digest'],
  ['HEAD', '/api/blobs/:digest'],
] as const;

export function ollamaRoutes(opts: OllamaRoutesOptions): Hono<OllamaEnv> {
  const { tenant, store } = opts;
  const app = new Hono<OllamaEnv>();

  const authenticate: MiddlewareHandler<OllamaEnv> = async (c, next) => {
    const authorization = apiKeyHeader((name) => c.req.header(name));
    const parsed = parseApiKey(authorization);
    const key = parsed && parsed.tenant === tenant ? await store.verifyKey(tenant, parsed.key) : null;
    if (!key || !authorization) throw invalidApiKey();
    c.set('key', key);
    c.set('authorization', authorization);
    await next();
  };

  app.use('*', requestId());
  app.use('/api/*', authenticate);

  const upstream = (c: Context<OllamaEnv>): UpstreamContext => ({
    app: opts.openai,
    url: c.req.url,
    authorization: c.get('authorization'),
    requestId: c.get('requestId'),
    signal: abortSignalOf(opts.fromHost?.(c.env)?.signal ?? c.req.raw.signal),
  });

  const body = async <T>(c: Context<OllamaEnv>, schema: z.ZodType<T>): Promise<T> =>
    parseOllama(schema, parseJsonBody(await readBody(c.req.raw, c.get('key').limits.maxBodyBytes)));

  const models = async (c: Context<OllamaEnv>): Promise<OpenAIModel[]> =>
    ((await (await callOpenAI(upstream(c), 'GET', '/v1/models')).json()) as { data: OpenAIModel[] }).data;

  app.get('/api/tags', async (c) => c.json(await tagsOf(await models(c))));
  app.get('/api/ps', async (c) => c.json(await psOf(await models(c))));

  app.post('/api/show', async (c) => {
    const req = await body(c, ollamaShowRequest);
    const id = (req.model || req.name)!;
    const model = (await models(c)).find((m) => m.id === id);
    if (!model) throw new HttpError(404, 'model_not_found', `model '${id}' not found`);
    return c.json(showOf(model));
  });

  const generation = async (c: Context<OllamaEnv>, call: UpstreamCall, model: string): Promise<Response> => {
    const startedAt = performance.now();
    const res = await callOpenAI(upstream(c), 'POST', call.path, call.body);
    const reply = new OllamaReply(call.reply, model, startedAt);
    const headers: Record<string, string> = { 'x-request-id': c.get('requestId') };
    // The key's rate-limit figures the /v1 answer carries hold for this request too.
    res.headers.forEach((value, name) => {
      if (name.startsWith('x-ratelimit-')) headers[name] = value;
    });
    if (!call.stream) return c.json(await collectReply(bodyOf(res), reply), 200, headers);
    // identity: workerd gzips a non-SSE body for a client that accepts gzip, and the
    // compressor holds tokens back; seen under wrangler dev, it also hid a client's
    // disconnect from the Durable Object (1 stream in 4 was never cancelled).
    const ndjson = { ...headers, 'content-type': 'application/x-ndjson', 'content-encoding': 'identity' };
    return new Response(ndjsonStream(bodyOf(res), reply), { headers: ndjson });
  };

  // Ollama's answer to "load this model" (a chat with no messages, a generate with no prompt):
  // done at once, nothing generated; `ollama run` sends one before the first prompt.
  const loaded = async (c: Context, model: string, reply: Record<string, unknown>) => {
    if (!(await models(c)).some((m) => m.id === model)) throw new HttpError(404, 'model_not_found', `model '${model}' not found`);
    return c.json({ model, created_at: new Date().toISOString(), ...reply, done: true, done_reason: 'load' });
  };

  app.post('/api/chat', async (c) => {
    const req = await body(c, ollamaChatRequest);
    if ((req.messages ?? []).length === 0) return loaded(c, req.model, { message: { role: 'assistant', content: '' } });
    return generation(c, chatCall(req), req.model);
  });

  app.post('/api/generate', async (c) => {
    const req = await body(c, ollamaGenerateRequest);
    if (isLoadOnly(req)) return loaded(c, req.model, { response: '' });
    return generation(c, generateCall(req), req.model);
  });

  app.post('/api/embed', async (c) => {
    const req = await body(c, ollamaEmbedRequest);
    const startedAt = performance.now();
    const res = (await (await callOpenAI(upstream(c), 'POST', '/v1/embeddings', embedBody(req))).json()) as OpenAIEmbeddings;
    return c.json(embedReply(req.model, res, performance.now() - startedAt));
  });

  app.post('/api/embeddings', async (c) => {
    const req = await body(c, ollamaEmbeddingsRequest);
    const res = (await (await callOpenAI(upstream(c), 'POST', '/v1/embeddings', { model: req.model, input: req.prompt })).json()) as OpenAIEmbeddings;
    return c.json({ embedding: res.data[0]?.embedding ?? [] });
  });

  for (const [method, path] of MODEL_STORE_ROUTES) {
    app.on(method, path, (c) => {
      throw new HttpError(
        501,
        'not_supported',
        `${c.req.method} ${new URL(c.req.url).pathname} is not available: vllama relays the models its agents' vLLM servers serve; choose them where the agent starts vLLM (vllama agent --model).`,
      );
    });
  }

  app.notFound(notFound);
  app.onError(onError(opts.log ?? noLog));
  return app;
}
