// Ollama's `options` and `format` as the fields of an OpenAI request that vLLM
// reads (vllm/entrypoints/openai/protocol.py: sampling extras top_k, min_p,
// repetition_penalty; structured output through response_format).
import type { OllamaFormat, OllamaOptions } from './ollama-schemas';

export interface SamplingFields {
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  seed?: number;
  stop?: string[];
  repetition_penalty?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
}

/** Ollama option → OpenAI/vLLM field, where only the name differs. */
const RENAMED = {
  temperature: 'temperature',
  top_p: 'top_p',
  top_k: 'top_k',
  min_p: 'min_p',
  seed: 'seed',
  repeat_penalty: 'repetition_penalty',
  presence_penalty: 'presence_penalty',
  frequency_penalty: 'frequency_penalty',
} as const satisfies Record<string, keyof SamplingFields>;

/**
 * The sampling fields for Ollama's options. num_predict −1 (no limit) and −2 (fill the
 * context) have no OpenAI spelling: leaving max_tokens out means "up to the context" in vLLM.
 */
export function samplingFields(options: OllamaOptions | null | undefined): SamplingFields {
  const out: SamplingFields = {};
  if (!options) return out;
  for (const [from, to] of Object.entries(RENAMED) as [keyof typeof RENAMED, keyof SamplingFields][]) {
    const value = options[from];
    if (typeof value === 'number') (out as Record<string, number>)[to] = value;
  }
  if (typeof options.num_predict === 'number' && options.num_predict > 0) out.max_tokens = options.num_predict;
  if (options.stop != null) out.stop = typeof options.stop === 'string' ? [options.stop] : options.stop;
  return out;
}

export type ResponseFormat =
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean } };

/** `format: "json"` → JSON mode; a schema → vLLM's guided decoding on that schema. */
export function responseFormat(format: OllamaFormat): { response_format?: ResponseFormat } {
  if (format === 'json') return { response_format: { type: 'json_object' } };
  if (format && typeof format === 'object') {
    return { response_format: { type: 'json_schema', json_schema: { name: 'ollama_format', schema: format } } };
  }
  return {};
}
