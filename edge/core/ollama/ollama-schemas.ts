// Ollama's request bodies (ollama/ollama docs/api.md, api/types.go) as zod schemas:
// the fields the edge translates; others (keep_alive, template, context, think…)
// are accepted and ignored, as a relay cannot honour them.
import { z } from 'zod';
import { HttpError } from '../errors';

/** Ollama's Options: only those with a vLLM sampling parameter to map to are named. */
export const ollamaOptions = z.looseObject({
  num_predict: z.number().int().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  top_k: z.number().int().nullish(),
  min_p: z.number().nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  repeat_penalty: z.number().nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
});

/** `"json"`, or a JSON schema object. */
const format = z.union([z.literal('json'), z.literal(''), z.record(z.string(), z.unknown())]).nullish();

const toolCall = z.looseObject({
  function: z.looseObject({ name: z.string(), arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish() }),
});

export const ollamaMessage = z.looseObject({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().nullish(),
  /** Base64 images, without a data: prefix. */
  images: z.array(z.string()).nullish(),
  tool_calls: z.array(toolCall).nullish(),
  /** Ollama ≥ 0.8 names the tool a tool message answers. */
  tool_name: z.string().nullish(),
  thinking: z.string().nullish(),
});

const common = {
  model: z.string({ error: 'model is required' }).min(1, 'model is required'),
  stream: z.boolean().nullish(),
  format,
  options: ollamaOptions.nullish(),
  keep_alive: z.union([z.string(), z.number()]).nullish(),
};

export const ollamaChatRequest = z.looseObject({
  ...common,
  messages: z.array(ollamaMessage).default([]),
  /** OpenAI's tool shape, which Ollama takes as it is. */
  tools: z.array(z.looseObject({ type: z.string(), function: z.looseObject({ name: z.string() }) })).nullish(),
});

export const ollamaGenerateRequest = z.looseObject({
  ...common,
  prompt: z.string().nullish(),
  suffix: z.string().nullish(),
  system: z.string().nullish(),
  images: z.array(z.string()).nullish(),
  /** No chat template: the prompt goes to /v1/completions as it is. */
  raw: z.boolean().nullish(),
});

export const ollamaEmbedRequest = z.looseObject({
  model: z.string({ error: 'model is required' }).min(1, 'model is required'),
  input: z.union([z.string(), z.array(z.string())]),
  dimensions: z.number().int().positive().nullish(),
  truncate: z.boolean().nullish(),
  keep_alive: z.union([z.string(), z.number()]).nullish(),
});

/** The older /api/embeddings: one prompt, one vector. */
export const ollamaEmbeddingsRequest = z.looseObject({
  model: z.string({ error: 'model is required' }).min(1, 'model is required'),
  prompt: z.string(),
  keep_alive: z.union([z.string(), z.number()]).nullish(),
});

/** /api/show names the model `model`; older clients send `name`. */
export const ollamaShowRequest = z
  .looseObject({ model: z.string().nullish(), name: z.string().nullish() })
  .refine((r) => !!(r.model || r.name), 'model is required');

export type OllamaOptions = z.infer<typeof ollamaOptions>;
export type OllamaMessage = z.infer<typeof ollamaMessage>;
export type OllamaChatRequest = z.infer<typeof ollamaChatRequest>;
export type OllamaGenerateRequest = z.infer<typeof ollamaGenerateRequest>;
export type OllamaFormat = z.infer<typeof format>;

/** Parses a body against a schema; a mismatch is a 400 naming the first bad field, as Ollama words it. */
export function parseOllama<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.');
  // Ollama's own wording for a missing model is "model is required"; others name the field first.
  const where = field !== '' && !issue.message.startsWith(field) ? `${field}: ` : '';
  throw new HttpError(400, 'invalid_request', `${where}${issue.message}`, { cause: result.error });
}
