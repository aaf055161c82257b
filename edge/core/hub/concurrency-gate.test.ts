import { describe, expect, it } from 'vitest';
import { ConcurrencyGate, type Release } from './concurrency-gate';
import { HttpError } from '../errors';

describe('ConcurrencyGate', () => {
  it('runs exactly max at a time and hands each freed slot to the oldest waiter', async () => {
    const gate = new ConcurrencyGate({ timeoutMs: 10_000, maxWaiting: 100 });
    const order: number[] = [];
    const releases: Release[] = [];
    const all = Array.from({ length: 25 }, (_, i) =>
      gate.acquire('k', 10).then((release) => {
        order.push(i);
        releases.push(release);
      }),
    );
    await new Promise((r) => setTimeout(r, 0));
    expect(gate.running('k')).toBe(10);
    expect(gate.waiting('k')).toBe(15);
    while (order.length < 25) {
      releases.shift()!();
      await new Promise((r) => setTimeout(r, 0));
      // While anyone waits, exactly 10 run.
      expect(gate.running('k')).toBe(gate.waiting('k') > 0 ? 10 : releases.length);
    }
    await Promise.all(all);
    expect(order).toEqual([...Array(25).keys()]);
    for (const release of releases) release();
    expect(gate.running('k')).toBe(0);
  });

  it('frees one slot however often a release is called', async () => {
    const gate = new ConcurrencyGate({ timeoutMs: 10_000, maxWaiting: 100 });
    const a = gate.tryAcquire('k', 2)!;
    gate.tryAcquire('k', 2);
    a();
    a();
    expect(gate.running('k')).toBe(1);
  });

  it('answers 429 concurrency_limit_exceeded when the wait passes the timeout or the queue is full', async () => {
    const gate = new ConcurrencyGate({ timeoutMs: 20, maxWaiting: 1 });
    gate.tryAcquire('k', 1);
    const waiting = gate.acquire('k', 1);
    await expect(gate.acquire('k', 1)).rejects.toMatchObject({ status: 429, code: 'concurrency_limit_exceeded' });
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).headers['retry-after']).toBe('1');
    expect(gate.waiting('k')).toBe(0);
  });

  it('drops a waiter whose client went away', async () => {
    const gate = new ConcurrencyGate({ timeoutMs: 10_000, maxWaiting: 10 });
    const release = gate.tryAcquire('k', 1)!;
    const controller = new AbortController();
    const waiting = gate.acquire('k', 1, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'client_closed' });
    release();
    expect(gate.running('k')).toBe(0);
  });
});
