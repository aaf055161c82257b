import { describe, expect, it } from 'vitest';
import { median, percentile, ratio, summarize } from './stats';

describe('percentile', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it.each([
    [50, 50],
    [99, 99],
    [100, 100],
    [0, 1],
    [1, 1],
    [90, 90],
  ])('takes the nearest rank: p%d of 1..100 is %d', (p, want) => {
    expect(percentile(sorted, p)).toBe(want);
  });

  it('returns the only sample for any percentile of one', () => {
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
  });

  it('returns NaN for no samples rather than a made-up number', () => {
    expect(percentile([], 50)).toBeNaN();
  });

  it('rejects a percentile outside 0..100', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts numerically, not as strings', () => {
    const s = summarize([10, 9, 100, 1]);
    expect(s).toMatchObject({ count: 4, min: 1, max: 100, p50: 9, mean: 30 });
  });

  it('reports p99 as the worst sample when there are fewer than 100', () => {
    expect(summarize([5, 1, 3, 2, 4]).p99).toBe(5);
  });

  it('leaves the input untouched', () => {
    const input = [3, 1, 2];
    summarize(input);
    expect(input).toEqual([3, 1, 2]);
  });
});

describe('median and ratio', () => {
  it('picks the middle of repeated measurements', () => {
    expect(median([0.3, 0.1, 0.2])).toBe(0.2);
  });

  it('gives NaN when the baseline is missing or zero', () => {
    expect(ratio(1, undefined)).toBeNaN();
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(1.05, 1)).toBeCloseTo(1.05);
  });
});
