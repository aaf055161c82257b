// Usage rows from the admin API, filtered by day and summed by key, model or day.
import type { UsageRow } from '../edge/core/store/index';

export type UsageGrouping = 'key' | 'model' | 'day';

export interface UsageTotal {
  /** The key id, model or day the row sums. */
  group: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** Sums rows on or after `since` (YYYY-MM-DD, UTC) by `by`, largest total first (by day: in date order). */
export function summarize(rows: UsageRow[], by: UsageGrouping, since?: string): UsageTotal[] {
  const sums = new Map<string, UsageTotal>();
  for (const r of rows) {
    if (since && r.day < since) continue;
    const group = by === 'key' ? r.keyId : by === 'day' ? r.day : (r.model || '(unknown)');
    let t = sums.get(group);
    if (!t) sums.set(group, (t = { group, requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0 }));
    t.requests += r.requests;
    t.promptTokens += r.promptTokens;
    t.completionTokens += r.completionTokens;
    t.totalTokens += r.promptTokens + r.completionTokens;
  }
  const out = [...sums.values()];
  return by === 'day' ? out.sort((a, b) => a.group.localeCompare(b.group)) : out.sort((a, b) => b.totalTokens - a.totalTokens || a.group.localeCompare(b.group));
}

/** The sum of all totals. */
export function grandTotal(totals: UsageTotal[]): Omit<UsageTotal, 'group'> {
  const sum = { requests: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  for (const t of totals) {
    sum.requests += t.requests;
    sum.promptTokens += t.promptTokens;
    sum.completionTokens += t.completionTokens;
    sum.totalTokens += t.totalTokens;
  }
  return sum;
}
