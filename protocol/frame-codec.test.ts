import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CONTROL_PAYLOAD, MAX_DATA_CHUNK } from './defaults';
import { ProtocolError } from './errors';
import { decodeFrames, encodeFrames } from './frame-codec';
import { FrameType, type Frame } from './frame-types';

const typeCodes = Object.values(FrameType);
const frameArb: fc.Arbitrary<Frame> = fc.record({
  type: fc.constantFrom(...typeCodes),
  stream: fc.integer({ min: 0, max: 0xffffffff }),
  payload: fc.uint8Array({ maxLength: 512 }),
});

describe('frame codec', () => {
  it('round-trips any sequence of frames in one message', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 20 }), (frames) => {
        const decoded = decodeFrames(encodeFrames(frames));
        expect(decoded.ok).toBe(true);
        if (!decoded.ok) return;
        expect(decoded.value.map((f) => ({ ...f, payload: [...f.payload] }))).toEqual(
          frames.map((f) => ({ ...f, payload: [...f.payload] })),
        );
      }),
    );
  });

  it('rejects every strict prefix of a valid message with a typed error', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 5 }), fc.nat(), (frames, cut) => {
        const bytes = encodeFrames(frames);
        const prefix = bytes.subarray(0, cut % bytes.byteLength);
        const decoded = decodeFrames(prefix);
        // A prefix that ends exactly on a frame boundary is itself a valid, shorter message.
        if (decoded.ok) {
          expect(decoded.value.length).toBeLessThan(frames.length);
        } else {
          expect(decoded.error).toBeInstanceOf(ProtocolError);
          expect(decoded.error.code).toBe('ERR_FRAME_TRUNCATED');
        }
      }),
    );
  });

  it('never throws on arbitrary garbage and always returns a typed result', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const decoded = decodeFrames(bytes);
        if (!decoded.ok) {
          expect(decoded.error).toBeInstanceOf(ProtocolError);
          expect(decoded.error.closeCode).toBeGreaterThanOrEqual(1000);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects unknown frame types', () => {
    const bytes = encodeFrames([{ type: FrameType.data, stream: 1, payload: new Uint8Array(3) }]);
    bytes[4] = 200;
    const decoded = decodeFrames(bytes);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.code).toBe('ERR_FRAME_TYPE');
  });

  it.each([
    ['data', FrameType.data, MAX_DATA_CHUNK],
    ['control', FrameType.request, MAX_CONTROL_PAYLOAD],
  ])('rejects a %s frame over its size cap with close code 1009', (_label, type, cap) => {
    const ok = decodeFrames(encodeFrames([{ type, stream: 1, payload: new Uint8Array(cap) }]));
    expect(ok.ok).toBe(true);
    const big = decodeFrames(encodeFrames([{ type, stream: 1, payload: new Uint8Array(cap + 1) }]));
    expect(big.ok).toBe(false);
    if (!big.ok) {
      expect(big.error.code).toBe('ERR_FRAME_TOO_BIG');
      expect(big.error.closeCode).toBe(1009);
    }
  });

  it('rejects a frame whose length is shorter than its own header', () => {
    const bytes = encodeFrames([{ type: FrameType.end, stream: 1, payload: new Uint8Array(0) }]);
    new DataView(bytes.buffer).setUint32(0, 3);
    const decoded = decodeFrames(bytes);
    expect(decoded.ok).toBe(false);
  });

  it('decodes payloads as views into the message without copying', () => {
    const bytes = encodeFrames([{ type: FrameType.data, stream: 7, payload: new Uint8Array([1, 2, 3]) }]);
    const decoded = decodeFrames(bytes);
    expect(decoded.ok && decoded.value[0].payload.buffer).toBe(bytes.buffer);
  });
});
