import { describe, expect, it } from 'vitest';
import { StreamTable } from './stream-table';

describe('StreamTable', () => {
  it('keeps open streams by id like a Map: size, get, has, delete, values in id order, clear', () => {
    const table = new StreamTable<string>();
    table.set(3, 'c');
    table.set(1, 'a');
    table.set(2, 'b');
    table.set(2, 'b2');
    expect(table.size).toBe(3);
    expect(table.get(2)).toBe('b2');
    expect(table.has(4)).toBe(false);
    expect(table.get(4)).toBeUndefined();
    expect(table.values()).toEqual(['a', 'b2', 'c']);
    expect(table.delete(1)).toBe(true);
    expect(table.delete(1)).toBe(false);
    expect(table.size).toBe(2);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.values()).toEqual([]);
  });

  it('stays small and correct over a million ever-growing ids, few open at a time', () => {
    const table = new StreamTable<{ id: number }>();
    for (let id = 1; id <= 1_000_000; id++) {
      table.set(id, { id });
      if (id > 10) expect(table.delete(id - 10)).toBe(true);
    }
    expect(table.size).toBe(10);
    expect(table.values().map((v) => v.id)).toEqual(Array.from({ length: 10 }, (_, i) => 999_991 + i));
    // Ids near the protocol's u32 limit are still integer keys.
    table.set(2 ** 32 - 1, { id: -1 });
    expect(table.get(2 ** 32 - 1)).toEqual({ id: -1 });
  });
});
