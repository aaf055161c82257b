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

  const streamsOf = (m: Uint8Array) => {
    const d = decodeFrames(m);
    return d.ok ? d.value.map((f) => f.stream) : [];
  };

  it('sends a request frame that has waited holdMs of a long turn, and the rest at the turn end', () => {
    const sent: Uint8Array[] = [];
    const s = manualScheduler();
    let t = 0;
    const b = new FrameBatcher({ send: (m) => sent.push(m), schedule: s.schedule, holdMs: 1, now: () => t });
    const request = (stream: number) => b.push({ type: FrameType.request, stream, payload: new Uint8Array(8) });
    request(1);
    t = 0.6;
    request(2);
    expect(sent).toHaveLength(0);
    t = 1.0; // stream 1's frame has waited 1 ms: it and stream 2's leave before stream 3's is queued
    request(3);
    expect(sent.map(streamsOf)).toEqual([[1, 2]]);
    t = 1.5;
    request(4);
    s.run();
    expect(sent.map(streamsOf)).toEqual([[1, 2], [3, 4]]);
  });

  it('cuts a turn for a waiting response frame, never for data frames alone', () => {
    const sent: Uint8Array[] = [];
    const s = manualScheduler();
    let t = 0;
    const b = new FrameBatcher({ send: (m) => sent.push(m), schedule: s.schedule, holdMs: 1, now: () => t });
    for (let i = 0; i < 5; i++, t += 1) b.push({ type: FrameType.data, stream: 1, payload: new Uint8Array(4) });
    expect(sent).toHaveLength(0);
    b.push({ type: FrameType.response, stream: 2, payload: new Uint8Array(4) });
    t += 2;
    b.push({ type: FrameType.data, stream: 2, payload: new Uint8Array(4) });
    expect(sent.map(streamsOf)).toEqual([[1, 1, 1, 1, 1, 2]]);
    s.run();
    expect(sent.map(streamsOf)).toEqual([[1, 1, 1, 1, 1, 2], [2]]);
    // The turn's scheduled flush found the rest; a new turn schedules again.
    b.push({ type: FrameType.data, stream: 2, payload: new Uint8Array(4) });
    s.run();
    expect(sent).toHaveLength(3);
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
