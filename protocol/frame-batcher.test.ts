import { describe, expect, it } from 'vitest';
import { FrameBatcher } from './frame-batcher';
import { decodeFrames } from './frame-codec';
import { FrameType } from './frame-types';
import { ReceiveWindow, SendWindow } from './stream-window';

function manualScheduler() {
  const queue: (() => void)[] = [];
  return { schedule: (fn: () => void) => queue.push(fn), run: () => queue.splice(0).forEach((fn) => fn()) };
}

describe('FrameBatcher', () => {
  it('coalesces all frames pushed in one turn into one message', () => {
    const sent: Uint8Array[] = [];
    const s = manualScheduler();
    const b = new FrameBatcher({ send: (m) => sent.push(m), schedule: s.schedule });
    for (let i = 1; i <= 50; i++) b.push({ type: FrameType.data, stream: i, payload: new Uint8Array([i]) });
    expect(sent).toHaveLength(0);
    s.run();
    expect(sent).toHaveLength(1);
    const decoded = decodeFrames(sent[0]);
    expect(decoded.ok && decoded.value.map((f) => f.stream)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('splits a turn into messages no bigger than the cap', () => {
    const sent: Uint8Array[] = [];
    const s = manualScheduler();
    const b = new FrameBatcher({ send: (m) => sent.push(m), schedule: s.schedule, maxMessageBytes: 100 });
    for (let i = 0; i < 10; i++) b.push({ type: FrameType.data, stream: 1, payload: new Uint8Array(40) });
    s.run();
    expect(sent.length).toBeGreaterThan(1);
    for (const m of sent) expect(m.byteLength).toBeLessThanOrEqual(100);
  });
});

describe('stream windows', () => {
  it('never allows more than the credit granted', () => {
    const w = new SendWindow(10);
    expect(w.allowance(25)).toBe(10);
    w.spend(10);
    expect(w.allowance(25)).toBe(0);
    w.grant(4);
    expect(w.allowance(25)).toBe(4);
  });

  it('batches grants until a quarter of the window is consumed', () => {
    const r = new ReceiveWindow(400);
    expect(r.consume(50)).toBe(0);
    expect(r.consume(49)).toBe(0);
    expect(r.consume(1)).toBe(100);
    expect(r.consume(10)).toBe(0);
  });
});
