import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlFrame, parseControl } from './control';
import { MAX_HEADER_COUNT, MAX_REQUEST_HEADER_BYTES, MAX_REQUEST_PATH, MAX_RESPONSE_HEAD_BYTES, requestHeadProblem } from './limits';

const head = (path: string, headers: Record<string, string> = {}) => ({ method: 'POST', path, headers, requestId: 'r' });

describe('protocol limits', () => {
  it('agrees with the request schema: a head the edge would send is one the agent reads, and the reverse', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_REQUEST_PATH + 50 }),
        fc.integer({ min: 0, max: MAX_HEADER_COUNT + 20 }),
        fc.integer({ min: 0, max: 200 }),
        (pathLength, count, valueLength) => {
          const headers = Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-${i}`, 'v'.repeat(valueLength)]));
          const h = head(`/${'p'.repeat(pathLength - 1)}`, headers);
          const problem = requestHeadProblem(h);
          const parsed = parseControl('request', controlFrame('request', 1, h).payload);
          expect(parsed.ok).toBe(problem === undefined);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['a path one over the limit', head(`/${'p'.repeat(MAX_REQUEST_PATH)}`), 414],
    ['one header too many', head('/v1', Object.fromEntries(Array.from({ length: MAX_HEADER_COUNT + 1 }, (_, i) => [`x-${i}`, '']))), 431],
    ['headers a byte over the limit', head('/v1', { x: 'v'.repeat(MAX_REQUEST_HEADER_BYTES) }), 431],
  ])('names %s with its HTTP status', (_name, h, status) => {
    expect(requestHeadProblem(h)?.status).toBe(status);
  });

  it('refuses a response head over 16 KiB in the schema', () => {
    const big = controlFrame('response', 1, { status: 200, headers: { 'x-big': 'b'.repeat(MAX_RESPONSE_HEAD_BYTES) } });
    expect(parseControl('response', big.payload).ok).toBe(false);
  });
});
