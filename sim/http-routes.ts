// vLLM's HTTP surface as a route table, and the one place errors become
// OpenAI error bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { embed, toBase64 } from './embeddings';
import type { Engine } from './engine';
import { chatJob, completionJob, resolveModel, type ModelTable } from './generation-requests';
import { runGeneration } from './generation-response';
import { readJson } from './http-body';
import { SimHttpError } from './http-error';
import type { SimMetrics } from './metrics';
import { embeddingList, modelList, responseMeta } from './openai-shapes';
import { embeddingRequest, parseBody } from './request-schemas';
import { audioRoutes } from './audio-routes';
import { responsesRoutes, storedResponse } from './responses-routes';
import { sendJson } from './send-json';
import { tokenizerRoutes } from './tokenizer-routes';
import { countPromptTokens } from './tokens';

export interface SimContext extends ModelTable {
  engine: Engine;
  metrics: SimMetrics;
  maxBodyBytes: number;
  /** performance.now() after which the simulator counts as started. */
  readyAt: number;
  /** Unix seconds, for /v1/models. */
  created: number;
}

type Handler = (ctx: SimContext, req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export { sendJson };

const routes: Record<string, Handler> = {
  'GET /health': (_ctx, _req, res) => {
    res.writeHead(200, { 'content-length': 0 });
    res.end();
  },
  'GET /metrics': async (ctx, _req, res) => {
    const text = await ctx.metrics.text();
    res.writeHead(200, { 'content-type': ctx.metrics.contentType });
    res.end(text);
  },
  'GET /v1/models': (ctx, _req, res) => sendJson(res, 200, modelList(ctx.models, ctx.models[0], ctx.maxModelLen, ctx.created)),
  'POST /v1/chat/completions': async (ctx, req, res) => {
    runGeneration(ctx.engine, req, res, chatJob(ctx, await readJson(req, ctx.maxBodyBytes)));
  },
  'POST /v1/completions': async (ctx, req, res) => {
    runGeneration(ctx.engine, req, res, completionJob(ctx, await readJson(req, ctx.maxBodyBytes)));
  },
  'POST /v1/embeddings': async (ctx, req, res) => {
    const body = parseBody(embeddingRequest, await readJson(req, ctx.maxBodyBytes));
    const model = resolveModel(ctx, body.model);
    const raw = body.input;
    const inputs = typeof raw === 'string' ? [raw] : typeof raw[0] === 'number' ? [raw as number[]] : (raw as (string | number[])[]);
    let promptTokens = 0;
    const vectors = inputs.map((input) => {
      promptTokens += typeof input === 'string' ? countPromptTokens(input) : input.length;
      const v = embed(model, typeof input === 'string' ? input : input.join(' '));
      return body.encoding_format === 'base64' ? toBase64(v) : v;
    });
    sendJson(res, 200, embeddingList(responseMeta('embd', model), vectors, promptTokens));
  },
  ...tokenizerRoutes,
  ...responsesRoutes,
  ...audioRoutes,
};

const knownPaths = new Set(Object.keys(routes).map((k) => k.slice(k.indexOf(' ') + 1)));

function sendError(res: ServerResponse, err: SimHttpError): void {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  // After a 413 the rest of the body is not worth reading: close the connection.
  if (err.status === 413) res.setHeader('connection', 'close');
  sendJson(res, err.status, err.toJSON());
}

export async function handleRequest(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  try {
    const handler = routes[`${req.method} ${path}`] ?? (req.method === 'GET' && path.startsWith('/v1/responses/') ? storedResponse : undefined);
    if (!handler) {
      if (knownPaths.has(path)) throw new SimHttpError(405, 'ERR_METHOD', `Method ${req.method} not allowed for ${path}`);
      throw new SimHttpError(404, 'ERR_NOT_FOUND', `Not found: ${path}`);
    }
    if (performance.now() < ctx.readyAt && path !== '/metrics') {
      // Like a vLLM that is still loading its weights: not ready, try again.
      if (path === '/health') {
        res.writeHead(503, { 'content-length': 0 });
        res.end();
        return;
      }
      throw new SimHttpError(503, 'ERR_STARTING', 'The vllama simulator is still starting up');
    }
    await handler(ctx, req, res);
  } catch (err) {
    if (err instanceof SimHttpError) return sendError(res, err);
    process.stderr.write(`vllama sim: ${req.method} ${path}: ${(err as Error)?.stack ?? String(err)}\n`);
    sendError(res, new SimHttpError(500, 'ERR_INTERNAL', 'Internal server error', err));
  }
}
