// WebSocket close reasons as both ends send them: RFC 6455 §5.5.1 allows at most 123
// bytes of UTF-8 (ws and workerd throw beyond), cut at a character boundary.

export const MAX_CLOSE_REASON_BYTES = 123;

const encoder = new TextEncoder();

export function closeReason(reason: string): string {
  let text = reason.slice(0, MAX_CLOSE_REASON_BYTES);
  while (encoder.encode(text).byteLength > MAX_CLOSE_REASON_BYTES) text = text.slice(0, -1);
  return text;
}
