// /api/chat and /api/generate as the OpenAI requests the tunnel carries. The
// upstream request is always streamed with usage, whatever the client asked:
// the edge then has the real first-token time for the *_duration fields, and
// the exact token counts for prompt_eval_count / eval_count.
import { toOpenAIMessages, userContent, type OpenAIMessage } from './ollama-messages';
import { responseFormat, samplingFields } from './ollama-options';
import type { OllamaChatRequest, OllamaGenerateRequest } from './ollama-schemas';

export interface UpstreamCall {
  /** The OpenAI route, e.g. `/v1/chat/completions`. */
  path: '/v1/chat/completions' | '/v1/completions';
  body: Record<string, unknown>;
  /** The client wants NDJSON (Ollama streams unless `stream: false`). */
  stream: boolean;
  /** What the Ollama answer calls the text: `message.content` (chat) or `response` (generate). */
  reply: 'chat' | 'generate';
}

const STREAMED = { stream: true, stream_options: { include_usage: true } } as const;

export function chatCall(req: OllamaChatRequest): UpstreamCall {
  const body: Record<string, unknown> = {
    model: req.model,
    messages: toOpenAIMessages(req.messages),
    ...STREAMED,
    ...samplingFields(req.options),
    ...responseFormat(req.format),
  };
  if (req.tools && req.tools.length > 0) body.tools = req.tools;
  return { path: '/v1/chat/completions', body, stream: req.stream ?? true, reply: 'chat' };
}

/**
 * Ollama applies the model's chat template to a generate prompt unless `raw` is set,
 * so a plain prompt becomes one user turn (after `system`); raw prompts and ones with a
 * `suffix` (fill-in-the-middle) go to /v1/completions untouched.
 */
export function generateCall(req: OllamaGenerateRequest): UpstreamCall {
  const sampling = { ...samplingFields(req.options), ...responseFormat(req.format) };
  const stream = req.stream ?? true;
  const prompt = req.prompt ?? '';
  if (req.raw || req.suffix) {
    const body: Record<string, unknown> = { model: req.model, prompt, ...STREAMED, ...sampling };
    if (req.suffix) body.suffix = req.suffix;
    return { path: '/v1/completions', body, stream, reply: 'generate' };
  }
  const messages: OpenAIMessage[] = [];
  if (req.system) messages.push({ role: 'system', content: req.system });
  messages.push({ role: 'user', content: userContent(prompt, req.images) });
  return { path: '/v1/chat/completions', body: { model: req.model, messages, ...STREAMED, ...sampling }, stream, reply: 'generate' };
}

/** Ollama answers a generate request with no prompt by loading the model: nothing to relay. */
export function isLoadOnly(req: OllamaGenerateRequest): boolean {
  return (req.prompt ?? '') === '' && !req.suffix && !(req.images && req.images.length > 0);
}
