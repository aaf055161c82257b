// Typed protocol errors: each carries the WebSocket close code to use (RFC 6455 §7.4.1).

export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
  /** Application range: the edge replaced this connection (same agentId reconnected). */
  replaced: 4000,
  /** Application range: no protocol version in common. */
  versionMismatch: 4001,
} as const;

export type ProtocolErrorCode =
  | 'ERR_FRAME_TRUNCATED'
  | 'ERR_FRAME_TOO_BIG'
  | 'ERR_FRAME_TYPE'
  | 'ERR_FRAME_STREAM'
  /** The first frame on a connection was not a valid hello. */
  | 'ERR_HANDSHAKE'
  /** A sender put more body bytes on a stream than its credit. */
  | 'ERR_WINDOW'
  | 'ERR_CONTROL_JSON'
  | 'ERR_CONTROL_SCHEMA'
  /** More connection-level messages than the receiver's rate limit allows. */
  | 'ERR_RATE'
  | 'ERR_VERSION';

export class ProtocolError extends Error {
  override name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  readonly closeCode: number;

  constructor(code: ProtocolErrorCode, message: string, closeCode: number = CloseCode.protocolError, cause?: unknown) {
    super(message, { cause });
    this.code = code;
    this.closeCode = closeCode;
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };
