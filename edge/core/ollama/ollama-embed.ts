// /api/embed and the older /api/embeddings as OpenAI /v1/embeddings, and back.
import type { z } from 'zod';
import type { ollamaEmbedRequest } from './ollama-schemas';

export interface OpenAIEmbeddings {
  data: { index: number; embedding: number[] }[];
  usage?: { prompt_tokens?: number };
}

export function embedBody(req: z.infer<typeof ollamaEmbedRequest>): Record<string, unknown> {
  const body: Record<string, unknown> = { model: req.model, input: req.input, encoding_format: 'float' };
  if (req.dimensions) body.dimensions = req.dimensions;
  return body;
}

/** Ollama's EmbedResponse; `totalMs` is the edge's measured time for the whole request. */
export function embedReply(model: string, res: OpenAIEmbeddings, totalMs: number) {
  const embeddings = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  return {
    model,
    embeddings,
    total_duration: Math.round(totalMs * 1e6),
    load_duration: 0,
    prompt_eval_count: res.usage?.prompt_tokens ?? 0,
  };
}
