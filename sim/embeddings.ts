// Deterministic fake embeddings: a unit vector derived from a hash of the input,
// so equal inputs embed equally and different ones almost never do.
import { EMBEDDING_DIMS } from './defaults';
import { hashString, prng } from './tokens';

export function embed(model: string, text: string, dims = EMBEDDING_DIMS): number[] {
  const random = prng(hashString(text, hashString(model)));
  const v = Array.from({ length: dims }, () => random() * 2 - 1);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/** `encoding_format: "base64"` (the openai SDK's default): little-endian float32 bytes. */
export function toBase64(v: readonly number[]): string {
  return Buffer.from(new Float32Array(v).buffer).toString('base64');
}
