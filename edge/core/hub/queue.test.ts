import { describe, expect, it } from 'vitest';
import { WaitQueue } from './queue';

describe('WaitQueue', () => {
  it('offers waiters oldest first and keeps the ones not taken in order', () => {
    const q = new WaitQueue<string>(10);
    for (const x of ['a', 'b', 'c', 'd']) q.push(x);
    const offered: string[] = [];
    q.drain((x) => {
      offered.push(x);
      return x === 'b' || x === 'd';
    });
    expect(offered).toEqual(['a', 'b', 'c', 'd']);
    expect(q.clear()).toEqual(['a', 'c']);
  });

  it('reports full at capacity but still takes a retry at the front', () => {
    const q = new WaitQueue<string>(2);
    q.push('a');
    q.push('b');
    expect(q.full).toBe(true);
    q.unshift('retry');
    expect(q.size).toBe(3);
    expect(q.clear()).toEqual(['retry', 'a', 'b']);
  });

  it('puts a retry queued while draining ahead of the waiters kept', () => {
    const q = new WaitQueue<string>(10);
    q.push('a');
    q.push('b');
    q.drain((x) => {
      if (x === 'a') q.unshift('retry');
      return false;
    });
    expect(q.clear()).toEqual(['retry', 'a', 'b']);
  });

  it('deletes a waiter that leaves', () => {
    const q = new WaitQueue<string>(10);
    q.push('a');
    q.push('b');
    expect(q.delete('a')).toBe(true);
    expect(q.delete('a')).toBe(false);
    expect(q.clear()).toEqual(['b']);
  });

  it('keeps the waiters it had not offered yet when taking one throws', () => {
    const q = new WaitQueue<string>(10);
    for (const x of ['a', 'b', 'c']) q.push(x);
    expect(() =>
      q.drain((x) => {
        if (x === 'b') throw new Error('bug');
        return false;
      }),
    ).toThrow('bug');
    expect(q.clear()).toEqual(['a', 'b', 'c']);
  });
});
