// Request bodies the simulator accepts, as zod schemas: the fields of vLLM's
// protocol that change what it generates; other fields are accepted and ignored.
import { z } from 'zod';
import { firstIssue } from '../protocol/index';
import { badRequest } from './http-error';

const stop = z.union([z.string(), z.array(z.string())]).nullish();
const tokenIds = z.array(z.number().int());

const sampling = {
  model: z.string().nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  n: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  stop,
  temperature: z.number().nullish(),
  seed: z.number().int().nullish(),
  /** vLLM extension. */
  ignore_eos: z.boolean().nullish(),
};

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

export const chatRequest = z.object({
  ...sampling,
  messages: z.array(z.looseObject({ role: z.string(), content: z.union([z.string(), z.array(contentPart), z.null()]).optional() })).min(1),
  max_completion_tokens: z.number().int().min(1).nullish(),
});

export const completionRequest = z.object({
  ...sampling,
  prompt: z.union([z.string(), z.array(z.string()), tokenIds, z.array(tokenIds)]),
});

export const embeddingRequest = z.object({
  model: z.string().nullish(),
  input: z.union([z.string(), z.array(z.string()), tokenIds, z.array(tokenIds)]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
});

export type ChatRequest = z.infer<typeof chatRequest>;
export type CompletionRequest = z.infer<typeof completionRequest>;
export type EmbeddingRequest = z.infer<typeof embeddingRequest>;

/** Parses a body against a schema; a mismatch is a 400 naming the first bad field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const { path, message } = firstIssue(result.error);
  const where = path ? `${path}: ` : '';
  throw badRequest(`${where}${message}`, result.error);
}

/** The chat prompt the simulator "tokenises": each message as `role: text`, one per line. */
export function renderChat(messages: ChatRequest['messages']): string {
  let prompt = '';
  for (const m of messages) {
    const c = m.content;
    const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (p.type === 'text' ? p.text ?? '' : '')).join('') : '';
    prompt += `${m.role}: ${text}\n`;
  }
  return `${prompt}assistant:`;
}
