// Binary frame codec: `u32 length | u8 type | u32 stream | payload`, several
// frames per WebSocket message. Decoding never throws: bad input is a typed error.
import { FRAME_HEADER_BYTES, MAX_CONTROL_PAYLOAD, MAX_FRAME_PAYLOAD } from './defaults';
import { CloseCode, ProtocolError, type Result } from './errors';
import { FrameType, frameTypeName, type Frame } from './frame-types';

/** Bytes a frame occupies on the wire. */
export function frameSize(frame: Frame): number {
  return FRAME_HEADER_BYTES + frame.payload.byteLength;
}

/** Encodes frames back to back into one buffer (one WebSocket message). */
export function encodeFrames(frames: readonly Frame[]): Uint8Array {
  let total = 0;
  for (const f of frames) total += FRAME_HEADER_BYTES + f.payload.byteLength;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const f of frames) {
    view.setUint32(at, f.payload.byteLength + 5);
    view.setUint8(at + 4, f.type);
    view.setUint32(at + 5, f.stream);
    out.set(f.payload, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + f.payload.byteLength;
  }
  return out;
}

export interface DecodeLimits {
  maxPayload?: number;
}

/**
 * Splits one WebSocket message into frames. Payloads are views into `bytes`
 * (no copy). Rejects truncated frames, unknown types and oversize frames.
 */
export function decodeFrames(bytes: Uint8Array, limits: DecodeLimits = {}): Result<Frame[]> {
  const maxPayload = limits.maxPayload ?? MAX_FRAME_PAYLOAD;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Frame[] = [];
  let at = 0;
  if (bytes.byteLength === 0) return fail('ERR_FRAME_TRUNCATED', 'empty message');
  while (at < bytes.byteLength) {
    if (bytes.byteLength - at < FRAME_HEADER_BYTES) {
      return fail('ERR_FRAME_TRUNCATED', `truncated frame header at byte ${at}`);
    }
    const length = view.getUint32(at);
    const type = view.getUint8(at + 4);
    const stream = view.getUint32(at + 5);
    if (length < 5) return fail('ERR_FRAME_TRUNCATED', `frame length ${length} is shorter than its header`);
    const payloadLength = length - 5;
    const name = frameTypeName(type);
    if (name === undefined) return fail('ERR_FRAME_TYPE', `unknown frame type ${type}`);
    const cap = type === FrameType.data ? maxPayload : MAX_CONTROL_PAYLOAD;
    if (payloadLength > cap) {
      return fail('ERR_FRAME_TOO_BIG', `${name} frame of ${payloadLength} bytes exceeds ${cap}`, CloseCode.tooBig);
    }
    const start = at + FRAME_HEADER_BYTES;
    if (start + payloadLength > bytes.byteLength) {
      return fail('ERR_FRAME_TRUNCATED', `${name} frame claims ${payloadLength} bytes, ${bytes.byteLength - start} remain`);
    }
    frames.push({ type: type as Frame['type'], stream, payload: bytes.subarray(start, start + payloadLength) });
    at = start + payloadLength;
  }
  return { ok: true, value: frames };
}

function fail(code: ProtocolError['code'], message: string, closeCode: number = CloseCode.protocolError): Result<never> {
  return { ok: false, error: new ProtocolError(code, message, closeCode) };
}
