// vLLM's tokenizer and scoring routes with its shapes (vllm/entrypoints/openai/
// protocol.py TokenizeResponse, DetokenizeResponse, RerankResponse, ScoreResponse),
// over the simulator's fake tokenizer and embeddings.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { embed } from './embeddings';
import { resolveModel } from './generation-requests';
import { readJson } from './http-body';
import type { SimContext } from './http-routes';
import { sendJson } from './send-json';
import { parseBody, renderChat } from './request-schemas';
import { hashString } from './tokens';

/** Ids the fake tokenizer gives: one per four characters (countPromptTokens' rule), from a hash of each. */
const VOCAB_SIZE = 50272; // OPT-125m's vocabulary size, the default simulated model

export function tokenIds(text: string): number[] {
  const ids: number[] = [];
  for (let i = 0; i < Math.max(1, text.length); i += 4) ids.push(hashString(text.slice(i, i + 4)) % VOCAB_SIZE);
  return ids;
}

const tokenizeRequest = z.object({
  model: z.string().nullish(),
  prompt: z.string().optional(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() })), z.null()]).optional() })).optional(),
  return_token_strs: z.boolean().nullish(),
}).refine((r) => r.prompt !== undefined || r.messages !== undefined, 'Either prompt or messages is required');

const detokenizeRequest = z.object({ model: z.string().nullish(), tokens: z.array(z.number().int().min(0)) });

const rerankRequest = z.object({
  model: z.string().nullish(),
  query: z.string(),
  documents: z.array(z.string()).min(1),
  top_n: z.number().int().nullish(),
});

const textOrList = z.union([z.string(), z.array(z.string())]);
const scoreRequest = z.object({ model: z.string().nullish(), text_1: textOrList, text_2: textOrList });

const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);
/** A cosine similarity mapped into [0, 1], like a cross-encoder's sigmoid output. */
const similarity = (model: string, a: string, b: string): number => (dot(embed(model, a), embed(model, b)) + 1) / 2;
const tokens = (text: string): number => tokenIds(text).length;

type Handler = (ctx: SimContext, req: IncomingMessage, res: ServerResponse) => Promise<void>;

export const tokenizerRoutes: Record<string, Handler> = {
  'POST /tokenize': async (ctx, req, res) => {
    const body = parseBody(tokenizeRequest, await readJson(req, ctx.maxBodyBytes));
    resolveModel(ctx, body.model);
    const text = body.prompt ?? renderChat(body.messages as never);
    const ids = tokenIds(text);
    const strs = body.return_token_strs ? ids.map((_, i) => text.slice(i * 4, i * 4 + 4)) : null;
    sendJson(res, 200, { count: ids.length, max_model_len: ctx.maxModelLen, tokens: ids, token_strs: strs });
  },
  'POST /detokenize': async (ctx, req, res) => {
    const body = parseBody(detokenizeRequest, await readJson(req, ctx.maxBodyBytes));
    resolveModel(ctx, body.model);
    // The fake ids cannot be inverted; each becomes a placeholder word, deterministically.
    sendJson(res, 200, { prompt: body.tokens.map((id) => ` tok${id}`).join('') });
  },
  'POST /rerank': async (ctx, req, res) => rerank(ctx, req, res),
  'POST /v1/rerank': async (ctx, req, res) => rerank(ctx, req, res),
  'POST /v2/rerank': async (ctx, req, res) => rerank(ctx, req, res),
  'POST /score': async (ctx, req, res) => score(ctx, req, res),
  'POST /v1/score': async (ctx, req, res) => score(ctx, req, res),
};

async function rerank(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = parseBody(rerankRequest, await readJson(req, ctx.maxBodyBytes));
  const model = resolveModel(ctx, body.model);
  const results = body.documents
    .map((text, index) => ({ index, document: { text }, relevance_score: similarity(model, body.query, text) }))
    .sort((a, b) => b.relevance_score - a.relevance_score)
    .slice(0, body.top_n && body.top_n > 0 ? body.top_n : undefined);
  const total = body.documents.reduce((s, d) => s + tokens(body.query) + tokens(d), 0);
  sendJson(res, 200, { id: `rerank-${randomUUID().replaceAll('-', '')}`, model, usage: { total_tokens: total }, results });
}

async function score(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = parseBody(scoreRequest, await readJson(req, ctx.maxBodyBytes));
  const model = resolveModel(ctx, body.model);
  const left = typeof body.text_1 === 'string' ? [body.text_1] : body.text_1;
  const right = typeof body.text_2 === 'string' ? [body.text_2] : body.text_2;
  // vLLM pairs one text_1 with every text_2, or the two lists element by element.
  const pairs = left.length === 1 ? right.map((r) => [left[0], r]) : left.map((l, i) => [l, right[i] ?? '']);
  const promptTokens = pairs.reduce((s, [a, b]) => s + tokens(a) + tokens(b), 0);
  sendJson(res, 200, {
    id: `score-${randomUUID().replaceAll('-', '')}`, object: 'list', created: Math.floor(Date.now() / 1000), model,
    data: pairs.map(([a, b], index) => ({ index, object: 'score', score: similarity(model, a, b) })),
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0, prompt_tokens_details: null },
  });
}
