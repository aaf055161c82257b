// Joining byte chunks: body pieces, coalesced reads, ws fragments. One helper for
// edge and agent alike (pure Uint8Array, no Buffer, so Workers can use it too).

/** The chunks back to back in one array; a single chunk is returned as is (no copy). */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let size = 0;
  for (const chunk of chunks) size += chunk.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
