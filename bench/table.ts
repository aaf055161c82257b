// Plain-text tables for the terminal: right-aligned numbers, left-aligned text,
// and number formats chosen so columns line up (fixed decimals per column).

export interface Column {
  header: string;
  /** Numbers read best right-aligned; names left. Default: right. */
  align?: 'left' | 'right';
}

export type Cell = string | number | undefined;

/** Renders rows under a header and a rule; undefined cells print as "–". */
export function formatTable(columns: readonly Column[], rows: readonly (readonly Cell[])[], indent = '  '): string {
  const text = rows.map((r) => columns.map((_, i) => cellText(r[i])));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...text.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    indent + cells.map((s, i) => (columns[i].align === 'left' ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

function cellText(c: Cell): string {
  if (c === undefined) return '–';
  if (typeof c === 'number') return Number.isFinite(c) ? String(c) : '–';
  return c;
}

/** Fixed decimals; "–" for missing or not-a-number. */
export function fixed(n: number | undefined, digits: number): string {
  return n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);
}

/** Integer with thousands separators: 123456 → "123,456". */
export function int(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds with a precision that suits the size: 0.42, 4.2, 42, 420. */
export function ms(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  return n.toFixed(a < 10 ? 2 : a < 100 ? 1 : 0);
}

/** A ratio to the baseline, e.g. "1.03×". */
export function times(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(2)}×`;
}

/** Bytes in binary units: 512 B, 12.3 KiB, 4.5 MiB. */
export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a < 1024) return `${Math.round(n)} B`;
  if (a < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A fraction as a percentage: 0.734 → "73%". */
export function percent(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '–' : `${Math.round(n * 100)}%`;
}

/** Section heading with an underline. */
export function heading(title: string): string {
  return `\n${title}\n${'='.repeat(title.length)}`;
}
