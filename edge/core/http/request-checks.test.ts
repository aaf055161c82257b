import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlFrame, decodeFrames, encodeFrames, MAX_CONTROL_PAYLOAD, parseControl, type RequestHead } from '../../../protocol/index';
import { MAX_REQUEST_HEADER_BYTES, MAX_REQUEST_HEADERS } from '../defaults';
import { HttpError } from '../errors';
import { checkRelayHead, MAX_MODEL_LENGTH, MAX_REQUEST_PATH } from './request-checks';

const ok: RequestHead = { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, requestId: 'req_1', model: 'm' };

function statusOf(fn: () => void): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpError) return err.status;
    throw err;
  }
  return undefined;
}

/** What the agent would say of the frame the edge builds from this head. */
function agentTakes(head: RequestHead): boolean {
  const decoded = decodeFrames(encodeFrames([controlFrame('request', 1, head)]));
  return decoded.ok && parseControl('request', decoded.value[0].payload).ok;
}

describe('checkRelayHead', () => {
  it("takes the protocol's caps from its schema", () => {
    expect(MAX_REQUEST_PATH).toBe(2048);
    expect(MAX_MODEL_LENGTH).toBe(256);
  });

  const heads = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h${i}`, 'v']));
  it.each([
    { what: 'a path at the cap', head: { ...ok, path: `/v1/x?${'q'.repeat(MAX_REQUEST_PATH - 6)}` }, status: undefined, agent: true },
    { what: 'a path one over the cap', head: { ...ok, path: `/v1/x?${'q'.repeat(MAX_REQUEST_PATH - 5)}` }, status: 414, agent: false },
    { what: 'a 2,100-character query string', head: { ...ok, path: `/v1/chat/completions?${'a'.repeat(2100)}` }, status: 414, agent: false },
    { what: 'as many headers as allowed', head: { ...ok, headers: heads(MAX_REQUEST_HEADERS) }, status: undefined, agent: true },
    // The edge's own caps, below the frame's: the agent would take these, the edge does not.
    { what: 'one header too many', head: { ...ok, headers: heads(MAX_REQUEST_HEADERS + 1) }, status: 431, agent: true },
    { what: 'one huge header', head: { ...ok, headers: { 'x-big': 'b'.repeat(MAX_REQUEST_HEADER_BYTES) } }, status: 431, agent: true },
    { what: 'a model name over the cap', head: { ...ok, model: 'm'.repeat(MAX_MODEL_LENGTH + 1) }, status: 400, agent: false },
    { what: 'a method over the cap', head: { ...ok, method: 'X'.repeat(17) }, status: 400, agent: false },
  ])('answers $what with $status', ({ head, status, agent }) => {
    expect(statusOf(() => checkRelayHead(head))).toBe(status);
    // Whatever the agent would refuse (and so drop the link for) never passes.
    expect(agentTakes(head)).toBe(agent);
  });

  it('counts the encoded frame, not characters: headers that JSON-escape past the payload cap get 431', () => {
    // 15 KiB of \u0001 passes the character cap but is ~90 KiB escaped (6 bytes each): over MAX_CONTROL_PAYLOAD.
    const head = { ...ok, headers: { 'x-ctl': '\u0001'.repeat(15 * 1024) } };
    expect(agentTakes(head)).toBe(false);
    expect(statusOf(() => checkRelayHead(head))).toBe(431);
    expect(MAX_CONTROL_PAYLOAD).toBe(64 * 1024);
  });

  it('never passes a head the agent would refuse (random heads, control and non-ASCII characters included)', () => {
    const text = (max: number) => fc.string({ unit: fc.oneof(fc.constantFrom('a', '\u0001', '"', 'é', '€', '\\'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: max });
    fc.assert(
      fc.property(
        fc.record({
          method: text(20),
          path: text(2100),
          headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), text(3000), { maxKeys: 12 }),
          requestId: text(300),
          model: text(300),
        }),
        (head) => {
          const passed = statusOf(() => checkRelayHead(head)) === undefined;
          if (passed) expect(agentTakes(head)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
