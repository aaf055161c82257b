import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlSchemas } from './control';
import { fastControl } from './control-fast';
import type { ControlTypeName } from './frame-types';
import { MAX_RESPONSE_HEAD_BYTES } from './limits';

const types = Object.keys(fastControl) as ControlTypeName[];

/** Values near each schema's edges: the shapes the frames have, with wrong types, limits and extra keys mixed in. */
const edgy = fc.oneof(
  fc.constantFrom(0, -1, 1, 99, 100, 399, 400, 599, 600, 1.5, 2 ** 31, 2 ** 31 + 1, 2 ** 53, Number.MAX_VALUE, '', 'x', 'POST', '/v1/x', true, false, null),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.constant('x'.repeat(257)),
  fc.constant('x'.repeat(4097)),
  fc.constant('x'.repeat(2049)),
);
const headerRecord = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), edgy, { maxKeys: 3 }),
  fc.constant(Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`h${i}`, 'v']))),
  fc.constant({ big: 'é'.repeat(MAX_RESPONSE_HEAD_BYTES / 2) }),
  fc.constant({ big: 'é'.repeat(MAX_RESPONSE_HEAD_BYTES / 2 - 10) }),
  edgy,
);
const keys = ['usageHint', 'method', 'path', 'headers', 'requestId', 'model', 'status', 'usage', 'code', 'message', 'retry', 'bytes', 'reason', 't', 'extra'];
const payload = fc.oneof(
  fc.record(Object.fromEntries(keys.map((k) => [k, k === 'usageHint' ? fc.constantFrom('as-sent', 'ask', 'other', undefined) : k === 'headers' ? headerRecord : k === 'usage' ? fc.oneof(fc.record({ prompt_tokens: edgy, completion_tokens: edgy }, { requiredKeys: [] }), edgy) : edgy])), { requiredKeys: [] }),
  fc.jsonValue(),
);

describe('fastControl', () => {
  it('accepts only what the zod schema accepts, and returns what zod returns', () => {
    let bothAccept = 0;
    let zodOnly = 0;
    fc.assert(
      fc.property(fc.constantFrom(...types), payload, (type, json) => {
        const fast = fastControl[type]!(json);
        const zod = controlSchemas[type].safeParse(json);
        if (fast !== undefined) {
          expect(zod.success).toBe(true);
          expect(fast).toEqual(zod.data);
          bothAccept++;
        } else if (zod.success) zodOnly++;
      }),
      { numRuns: 20_000 },
    );
    // Not vacuous: many generated frames are valid, and the hand-written checks take nearly all of those.
    expect(bothAccept).toBeGreaterThan(500);
    expect(zodOnly).toBeLessThan(bothAccept / 10);
  });

  it('takes the frames every request carries (so they skip zod)', () => {
    const head = { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, requestId: 'r1', model: 'm' };
    expect(fastControl.request!({ ...head, extra: 1 })).toEqual(head);
    expect(fastControl.response!({ status: 200, headers: { 'content-type': 'text/event-stream' } })).toEqual({ status: 200, headers: { 'content-type': 'text/event-stream' } });
    expect(fastControl.end!({})).toEqual({});
    expect(fastControl.end!({ usage: { prompt_tokens: 3, completion_tokens: 1 } })).toEqual({ usage: { prompt_tokens: 3, completion_tokens: 1 } });
    expect(fastControl.window!({ bytes: 65536 })).toEqual({ bytes: 65536 });
    expect(fastControl.error!({ code: 'x', message: 'y', status: 502, retry: true })).toEqual({ code: 'x', message: 'y', status: 502, retry: true });
  });
});
