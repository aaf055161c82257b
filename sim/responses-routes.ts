// vLLM's Responses API, non-streamed (vllm/entrypoints/openai/serving_responses.py):
// POST /v1/responses runs a generation through the engine and keeps the answer
// for GET /v1/responses/{id}, as vLLM's in-memory store does.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { STORED_RESPONSES } from './defaults';
import { resolveModel } from './generation-requests';
import { readJson } from './http-body';
import { badRequest, SimHttpError } from './http-error';
import type { SimContext } from './http-routes';
import { parseBody } from './request-schemas';
import { sendJson } from './send-json';
import { countPromptTokens, hashString, TokenStream } from './tokens';

const part = z.looseObject({ type: z.string(), text: z.string().optional() });
const responsesRequest = z.object({
  model: z.string().nullish(),
  input: z.union([z.string(), z.array(z.looseObject({ role: z.string().optional(), content: z.union([z.string(), z.array(part)]).optional() }))]),
  instructions: z.string().nullish(),
  max_output_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
});

const stored = new Map<string, object>();
const hex = (): string => randomUUID().replaceAll('-', '');

function promptOf(body: z.infer<typeof responsesRequest>): string {
  const turns = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  let prompt = body.instructions ? `system: ${body.instructions}\n` : '';
  for (const t of turns) {
    const c = t.content ?? '';
    prompt += `${t.role ?? 'user'}: ${typeof c === 'string' ? c : c.map((p) => p.text ?? '').join('')}\n`;
  }
  return `${prompt}assistant:`;
}

async function createResponse(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = parseBody(responsesRequest, await readJson(req, ctx.maxBodyBytes));
  const model = resolveModel(ctx, body.model);
  if (body.stream) throw badRequest('The vllama simulator answers the Responses API without streaming');
  const prompt = promptOf(body);
  const promptTokens = countPromptTokens(prompt);
  const maxTokens = body.max_output_tokens ?? Math.min(256, ctx.maxModelLen - promptTokens);
  const tokens = new TokenStream({ model, prompt, maxTokens, temperature: body.temperature });
  let text = '';
  let finished = false;
  const handle = ctx.engine.submit({
    promptTokens,
    promptKey: hashString(prompt, hashString(model)),
    next: () => tokens.next(),
    onToken: (t) => void (text += t),
    onFinish(reason, usage, last) {
      finished = true;
      text += last.text;
      const response = {
        id: `resp_${hex()}`, object: 'response', created_at: Math.floor(Date.now() / 1000), model,
        status: reason === 'length' ? 'incomplete' : 'completed',
        incomplete_details: reason === 'length' ? { reason: 'max_output_tokens' } : null,
        instructions: body.instructions ?? null, max_output_tokens: body.max_output_tokens ?? null, metadata: null,
        output: [{ id: `msg_${hex()}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [], logprobs: null }] }],
        parallel_tool_calls: true, previous_response_id: null, temperature: body.temperature ?? 1, top_p: body.top_p ?? 1,
        tool_choice: 'auto', tools: [], truncation: 'disabled', background: false, reasoning: null, text: null, user: null,
        usage: {
          input_tokens: usage.promptTokens, input_tokens_details: { cached_tokens: 0 },
          output_tokens: usage.completionTokens, output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: usage.promptTokens + usage.completionTokens,
        },
      };
      if (body.store !== false) {
        stored.set(response.id, response);
        if (stored.size > STORED_RESPONSES) stored.delete(stored.keys().next().value!);
      }
      sendJson(res, 200, response);
    },
  });
  res.once('close', () => {
    if (!finished) ctx.engine.abort(handle);
  });
}

export const responsesRoutes = {
  'POST /v1/responses': createResponse,
};

/** GET /v1/responses/{id}: a stored response, or vLLM's 404. */
export function storedResponse(_ctx: SimContext, req: IncomingMessage, res: ServerResponse): void {
  const id = decodeURIComponent((req.url ?? '').split('?')[0].slice('/v1/responses/'.length));
  const response = stored.get(id);
  if (!response) throw new SimHttpError(404, 'ERR_NOT_FOUND', `Response with id '${id}' not found.`);
  sendJson(res, 200, response);
}
