// vLLM's OpenAI response bodies, field for field (vllm/entrypoints/openai
// protocol.py and serving_chat.py / serving_completion.py): whole responses as
// objects, streamed chunks as prebuilt string templates so a token costs one
// JSON.stringify of its text.
import { randomUUID } from 'node:crypto';
import type { Usage } from './engine';
import type { FinishReason } from './tokens';

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
}

/** vLLM's ids: a prefix and random_uuid(), i.e. a uuid4 as 32 hex digits. */
export function responseMeta(prefix: 'chatcmpl' | 'cmpl' | 'embd', model: string): ResponseMeta {
  return { id: `${prefix}-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model };
}

// UsageInfo's field order in vLLM.
export function usageInfo(u: Usage): { prompt_tokens: number; total_tokens: number; completion_tokens: number; prompt_tokens_details: null } {
  return { prompt_tokens: u.promptTokens, total_tokens: u.promptTokens + u.completionTokens, completion_tokens: u.completionTokens, prompt_tokens_details: null };
}

export function chatCompletion(meta: ResponseMeta, text: string, reason: FinishReason, stopReason: string | null, usage: Usage): object {
  const message = { role: 'assistant', content: text, refusal: null, annotations: null, audio: null, function_call: null, tool_calls: [], reasoning_content: null };
  return {
    id: meta.id, object: 'chat.completion', created: meta.created, model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: reason, stop_reason: stopReason }],
    service_tier: null, system_fingerprint: null, usage: usageInfo(usage), prompt_logprobs: null, kv_transfer_params: null,
  };
}

export function textCompletion(meta: ResponseMeta, text: string, reason: FinishReason, stopReason: string | null, usage: Usage): object {
  return {
    id: meta.id, object: 'text_completion', created: meta.created, model: meta.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: reason, stop_reason: stopReason, prompt_logprobs: null }],
    service_tier: null, system_fingerprint: null, usage: usageInfo(usage), kv_transfer_params: null,
  };
}

/** The SSE events of one streamed response, each `data: <json>\n\n`. */
export interface StreamShape {
  /** Sent with the first token: chat's `{role: "assistant", content: ""}` delta. */
  readonly opening: string;
  token(text: string): string;
  /** The last token travels with finish_reason, as in vLLM. */
  finish(text: string, reason: FinishReason, stopReason: string | null): string;
  /** `stream_options.include_usage`: a chunk with no choices (exclude_none drops prompt_tokens_details). */
  usage(u: Usage): string;
}

export const SSE_DONE = 'data: [DONE]\n\n';

const stopTail = (reason: FinishReason, stopReason: string | null): string =>
  `"finish_reason":"${reason}","stop_reason":${JSON.stringify(stopReason)}}]}\n\n`;

function head(meta: ResponseMeta, object: string): string {
  return `data: {"id":${JSON.stringify(meta.id)},"object":"${object}","created":${meta.created},"model":${JSON.stringify(meta.model)},`;
}

function usageEvent(h: string, u: Usage): string {
  return `${h}"choices":[],"usage":{"prompt_tokens":${u.promptTokens},"total_tokens":${u.promptTokens + u.completionTokens},"completion_tokens":${u.completionTokens}}}\n\n`;
}

// Chat chunks are dumped with exclude_unset: no stop_reason until the last one.
export function chatStream(meta: ResponseMeta): StreamShape {
  const h = head(meta, 'chat.completion.chunk');
  const pre = `${h}"choices":[{"index":0,"delta":{"content":`;
  return {
    opening: `${h}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`,
    token: (text) => `${pre}${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]}\n\n`,
    finish: (text, reason, stopReason) => `${pre}${JSON.stringify(text)}},"logprobs":null,${stopTail(reason, stopReason)}`,
    usage: (u) => usageEvent(h, u),
  };
}

export function completionStream(meta: ResponseMeta): StreamShape {
  const h = head(meta, 'text_completion');
  const pre = `${h}"choices":[{"index":0,"text":`;
  return {
    opening: '',
    token: (text) => `${pre}${JSON.stringify(text)},"logprobs":null,"finish_reason":null,"stop_reason":null}]}\n\n`,
    finish: (text, reason, stopReason) => `${pre}${JSON.stringify(text)},"logprobs":null,${stopTail(reason, stopReason)}`,
    usage: (u) => usageEvent(h, u),
  };
}

/** vLLM's ModelCard, including the permission entry it always adds. */
export function modelList(ids: readonly string[], root: string, maxModelLen: number, created: number): object {
  return {
    object: 'list',
    data: ids.map((id) => ({
      id, object: 'model', created, owned_by: 'vllm', root, parent: null, max_model_len: maxModelLen,
      permission: [{
        id: `modelperm-${randomUUID().replaceAll('-', '')}`, object: 'model_permission', created,
        allow_create_engine: false, allow_sampling: true, allow_logprobs: true, allow_search_indices: false,
        allow_view: true, allow_fine_tuning: false, organization: '*', group: null, is_blocking: false,
      }],
    })),
  };
}

export function embeddingList(meta: ResponseMeta, vectors: readonly (number[] | string)[], promptTokens: number): object {
  return {
    id: meta.id, object: 'list', created: meta.created, model: meta.model,
    data: vectors.map((embedding, index) => ({ index, object: 'embedding', embedding })),
    usage: usageInfo({ promptTokens, completionTokens: 0 }),
  };
}
