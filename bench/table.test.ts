import { describe, expect, it } from 'vitest';
import { bytes, fixed, formatTable, int, ms, percent, times } from './table';

describe('formatTable', () => {
  it('right-aligns numbers and left-aligns text columns under a rule', () => {
    const out = formatTable([{ header: 'via', align: 'left' }, { header: 'tok/s' }], [['direct', '1,234'], ['node', 98]], '');
    expect(out.split('\n')).toEqual([
      'via     tok/s',
      '------  -----',
      'direct  1,234',
      'node       98',
    ]);
  });

  it('prints a dash for missing cells and non-finite numbers', () => {
    const out = formatTable([{ header: 'a' }, { header: 'b' }], [[undefined, Number.NaN]], '');
    expect(out.split('\n')[2]).toBe('–  –');
  });

  it('widens a column to its longest cell and trims trailing space', () => {
    const lines = formatTable([{ header: 'x', align: 'left' }], [['long cell'], ['y']], '  ').split('\n');
    expect(lines[1]).toBe('  ---------');
    expect(lines[3]).toBe('  y');
  });
});

describe('number formats', () => {
  it.each([
    [0.4242, '0.42'],
    [4.242, '4.24'],
    [42.42, '42.4'],
    [424.2, '424'],
    [-0.5, '-0.50'],
  ])('ms(%d) = %s', (n, want) => expect(ms(n)).toBe(want));

  it('formats ratios, integers, percentages and bytes', () => {
    expect(times(1.034)).toBe('1.03×');
    expect(int(123456.7)).toBe('123,457');
    expect(percent(0.734)).toBe('73%');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(12.5 * 1024)).toBe('12.5 KiB');
    expect(bytes(3 * 1024 * 1024)).toBe('3.0 MiB');
    expect(fixed(undefined, 2)).toBe('–');
  });
});
