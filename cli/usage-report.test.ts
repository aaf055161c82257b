import { describe, expect, it } from 'vitest';
import { grandTotal, summarize } from './usage-report';

const rows = [
  { keyId: 'k1', day: '2026-12-01', model: 'a', requests: 2, promptTokens: 10, completionTokens: 20 },
  { keyId: 'k2', day: '2026-12-01', model: 'b', requests: 1, promptTokens: 5, completionTokens: 5 },
  { keyId: 'k1', day: '2026-12-02', model: 'b', requests: 3, promptTokens: 1, completionTokens: 2 },
];

describe('summarize', () => {
  it('sums by key, largest total first', () => {
    expect(summarize(rows, 'key').map((t) => [t.group, t.requests, t.totalTokens])).toEqual([['k1', 5, 33], ['k2', 1, 10]]);
  });

  it('sums by day in date order, and by model', () => {
    expect(summarize(rows, 'day').map((t) => t.group)).toEqual(['2026-12-01', '2026-12-02']);
    expect(summarize(rows, 'model').map((t) => [t.group, t.promptTokens])).toEqual([['a', 10], ['b', 6]]);
  });

  it('leaves out days before --since and totals what is left', () => {
    const kept = summarize(rows, 'key', '2026-12-02');
    expect(kept).toEqual([{ group: 'k1', requests: 3, promptTokens: 1, completionTokens: 2, totalTokens: 3 }]);
    expect(grandTotal(summarize(rows, 'day'))).toEqual({ requests: 6, promptTokens: 16, completionTokens: 27, totalTokens: 43 });
  });
});
