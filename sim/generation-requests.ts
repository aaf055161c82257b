// Turns chat and completion request bodies into engine jobs, with vLLM's checks
// and messages: known model, n = 1, prompt + max_tokens within max_model_len.
import type { GenerationJob } from './generation-response';
import { badRequest, modelNotFound } from './http-error';
import { chatRequest, completionRequest, parseBody, renderChat, type ChatRequest, type CompletionRequest } from './request-schemas';
import { countPromptTokens, hashString } from './tokens';

export interface ModelTable {
  /** Served names; the first is the default when a request names none. */
  models: readonly string[];
  maxModelLen: number;
}

/** vLLM serves a request without `model` with its (first) served model name. */
export function resolveModel(table: ModelTable, requested: string | null | undefined): string {
  const model = requested ?? table.models[0];
  if (!table.models.includes(model)) throw modelNotFound(model);
  return model;
}

// vLLM's OpenAIServing._validate_input wording, so clients that match on it keep working.
function checkLength(table: ModelTable, promptTokens: number, maxTokens: number | null | undefined): number {
  const limit = table.maxModelLen;
  if (promptTokens >= limit && maxTokens == null) {
    throw badRequest(`This model's maximum context length is ${limit} tokens. However, your request has ${promptTokens} input tokens. Please reduce the length of the input messages.`);
  }
  const max = maxTokens ?? limit - promptTokens;
  if (promptTokens + max > limit) {
    throw badRequest(`This model's maximum context length is ${limit} tokens. However, you requested ${promptTokens + max} tokens (${promptTokens} in the messages, ${max} in the completion). Please reduce the length of the messages or completion.`);
  }
  return max;
}

function toJob(
  table: ModelTable,
  kind: GenerationJob['kind'],
  body: ChatRequest | CompletionRequest,
  prompt: string,
  promptTokens: number,
  requestedMax: number | null | undefined,
): GenerationJob {
  const model = resolveModel(table, body.model);
  if ((body.n ?? 1) !== 1) throw badRequest(`n must be 1 in the vllama simulator, got ${body.n}`);
  // vLLM's validate_stream_options, same wording.
  if (body.stream_options && !body.stream) throw badRequest('Stream options can only be defined when `stream=True`.');
  const maxTokens = checkLength(table, promptTokens, requestedMax);
  const stop = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  return {
    kind,
    model,
    promptTokens,
    promptKey: hashString(prompt, hashString(model)),
    stream: body.stream ?? false,
    includeUsage: (body.stream ?? false) && (body.stream_options?.include_usage ?? false),
    params: { model, prompt, maxTokens, temperature: body.temperature, seed: body.seed, ignoreEos: body.ignore_eos ?? false, stop },
  };
}

export function chatJob(table: ModelTable, raw: unknown): GenerationJob {
  const body = parseBody(chatRequest, raw);
  const prompt = renderChat(body.messages);
  // max_completion_tokens is OpenAI's newer name; vLLM prefers it over max_tokens.
  return toJob(table, 'chat', body, prompt, countPromptTokens(prompt), body.max_completion_tokens ?? body.max_tokens);
}

export function completionJob(table: ModelTable, raw: unknown): GenerationJob {
  const body = parseBody(completionRequest, raw);
  let p = body.prompt;
  if (Array.isArray(p) && p.length > 0 && typeof p[0] !== 'number') {
    if (p.length !== 1) throw badRequest('The vllama simulator takes one prompt per request');
    p = p[0] as string | number[];
  }
  // A string is tokenised by the fake rule; token ids count as themselves.
  const prompt = typeof p === 'string' ? p : (p as number[]).join(' ');
  const promptTokens = typeof p === 'string' ? countPromptTokens(p) : p.length;
  if (promptTokens === 0) throw badRequest('Prompt cannot be empty');
  return toJob(table, 'completion', body, prompt, promptTokens, body.max_tokens);
}
