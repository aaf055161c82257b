import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatElapsed, ProgressLog } from './readiness-progress';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, out: { isTTY, columns: 60, write: (c: string) => chunks.push(c) } };
}

afterEach(() => vi.useRealTimers());

describe('ProgressLog', () => {
  it('keeps one status line below the log lines on a TTY', () => {
    vi.useFakeTimers();
    const { chunks, out } = sink(true);
    const log = new ProgressLog(out, { ttyMs: 1000 });
    log.loading('facebook/opt-125m');
    log.note('INFO loading weights');
    log.log('vllm| INFO loading weights');
    vi.advanceTimersByTime(2000);
    log.done();
    const screen = chunks.join('');
    expect(screen).toContain('\r\x1b[2Kvllm| INFO loading weights\n');
    expect(screen).toContain('loading vLLM facebook/opt-125m… 2s — last: INFO loading we…');
    expect(screen.endsWith('\r\x1b[2K')).toBe(true);
    // Every redraw fits one terminal line.
    for (const c of chunks.filter((c) => c.startsWith('loading'))) expect(c.length).toBeLessThanOrEqual(59);
  });

  it('writes a plain progress line every interval when not on a TTY', () => {
    vi.useFakeTimers();
    const { chunks, out } = sink(false);
    const log = new ProgressLog(out, { logMs: 10_000 });
    log.loading('m');
    log.progress({ phase: 'health', elapsedMs: 0, lastError: 'connection refused' });
    vi.advanceTimersByTime(25_000);
    log.log('ready');
    log.done();
    expect(chunks).toEqual([
      'loading vLLM m… 10s — /health: connection refused\n',
      'loading vLLM m… 20s — /health: connection refused\n',
      'ready\n',
    ]);
  });

  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [65_000, '1m05s'],
    [3_600_000, '60m00s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});
