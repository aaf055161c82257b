import { describe, expect, it, vi } from 'vitest';
import { controlFrame, DeadlineQueue, FrameType, SendWindow, type Frame } from '../../protocol/index';
import { ResponsePump } from './response-pump';
import { createUsageTap } from './usage-tap';

function setup(holdMs = 5) {
  const sent: Frame[] = [];
  const sink = { send: (f: Frame) => void sent.push(f), bufferedAmount: 0, congested: false, closed: false };
  const onDone = vi.fn();
  const pump = new ResponsePump({
    stream: 1,
    head: controlFrame('response', 1, { status: 200, headers: { 'content-type': 'text/plain' } }),
    holds: new DeadlineQueue(holdMs),
    source: { pause: () => {}, resume: () => {} },
    tap: createUsageTap('text/plain', false),
    window: new SendWindow(1 << 20),
    sink,
    ctx: undefined,
    onDone,
  });
  const types = () => sent.map((f) => f.type);
  return { pump, sent, types, onDone };
}

describe('ResponsePump head hold', () => {
  it('holds the response head until the first body bytes, then sends both together', () => {
    const { pump, types } = setup();
    expect(types()).toEqual([]);
    pump.data(new TextEncoder().encode('hi'));
    expect(types()).toEqual([FrameType.response, FrameType.data]);
    pump.end();
    expect(types()).toEqual([FrameType.response, FrameType.data, FrameType.end]);
  });

  it('sends the head on its own once the hold time passes without a body byte', async () => {
    vi.useFakeTimers();
    try {
      const { pump, types } = setup(5);
      vi.advanceTimersByTime(4);
      expect(types()).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(types()).toEqual([FrameType.response]);
      pump.data(new TextEncoder().encode('x'));
      expect(types()).toEqual([FrameType.response, FrameType.data]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends the head before the end of an empty body', () => {
    const { pump, types, onDone } = setup();
    pump.end();
    expect(types()).toEqual([FrameType.response, FrameType.end]);
    expect(onDone).toHaveBeenCalledOnce();
  });

  it('sends the head before reporting an upstream that broke off before any byte', () => {
    const { pump, types, onDone } = setup();
    pump.error(new Error('reset'));
    expect(types()).toEqual([FrameType.response]);
    expect(onDone).toHaveBeenCalledWith(undefined, { error: expect.any(Error) });
  });

  it('sends nothing once stopped (cancel), not even the held head', async () => {
    vi.useFakeTimers();
    try {
      const { pump, types } = setup(5);
      pump.stop();
      vi.advanceTimersByTime(10);
      pump.sendHead();
      expect(types()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
