import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlFrame, parseControl } from './control';
import { FrameType } from './frame-types';
import { negotiateVersion } from './version';

describe('control frames', () => {
  it('round-trips a hello through JSON and its schema', () => {
    const frame = controlFrame('hello', 0, { protocol: [1], agentId: 'a1', models: ['m'], maxInflight: 256, ready: true });
    expect(frame.type).toBe(FrameType.hello);
    const parsed = parseControl('hello', frame.payload);
    expect(parsed).toEqual({ ok: true, value: { protocol: [1], agentId: 'a1', models: ['m'], maxInflight: 256, ready: true } });
  });

  it('defaults hello.ready to true for agents that omit it', () => {
    const frame = controlFrame('hello', 0, { protocol: [1], agentId: 'a', models: [], maxInflight: 1 });
    const parsed = parseControl('hello', frame.payload);
    expect(parsed.ok && parsed.value.ready).toBe(true);
  });

  it('rejects bad JSON and wrong shapes with typed errors naming the field', () => {
    const bad = parseControl('window', new TextEncoder().encode('{"bytes":'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('ERR_CONTROL_JSON');
    const wrong = parseControl('window', new TextEncoder().encode('{"bytes":-5}'));
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) {
      expect(wrong.error.code).toBe('ERR_CONTROL_SCHEMA');
      expect(wrong.error.message).toContain('bytes');
    }
  });

  it('rejects invalid UTF-8', () => {
    const parsed = parseControl('cancel', new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(parsed.ok).toBe(false);
  });

  it('never throws on arbitrary payloads for any control type', () => {
    const types = ['hello', 'welcome', 'request', 'response', 'end', 'error', 'cancel', 'window', 'drain', 'ping', 'pong'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.oneof(fc.uint8Array(), fc.json().map((j) => new TextEncoder().encode(j))), (type, payload) => {
        const parsed = parseControl(type, payload);
        expect(typeof parsed.ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('version negotiation', () => {
  it('picks the highest common version', () => {
    expect(negotiateVersion([1, 2, 3], [1, 2])).toEqual({ ok: true, value: 2 });
  });

  it('refuses with close code 4001 when nothing is common', () => {
    const r = negotiateVersion([7]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.closeCode).toBe(4001);
  });
});
