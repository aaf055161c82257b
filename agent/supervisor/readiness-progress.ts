// The agent's console log, with a loading status while vLLM starts: one updating
// line on a TTY (kept below the log lines), a plain line every 10 s otherwise
// (journald and CI logs would fill up with a redrawn line).
import { PROGRESS_LOG_MS, PROGRESS_TTY_MS } from './defaults';
import type { ReadinessProgress } from './readiness';

export interface LogSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressLogOptions {
  ttyMs?: number;
  logMs?: number;
  now?: () => number;
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export class ProgressLog {
  #out: LogSink;
  #tty: boolean;
  #opts: Required<Omit<ProgressLogOptions, 'now'>>;
  #now: () => number;
  #label: string | undefined;
  #since = 0;
  #lastOutput = '';
  #lastProbe = '';
  #timer: NodeJS.Timeout | undefined;
  #drawn = false;

  constructor(out: LogSink, opts: ProgressLogOptions = {}) {
    this.#out = out;
    this.#tty = Boolean(out.isTTY);
    this.#opts = { ttyMs: opts.ttyMs ?? PROGRESS_TTY_MS, logMs: opts.logMs ?? PROGRESS_LOG_MS };
    this.#now = opts.now ?? Date.now;
  }

  /** Writes one log line; on a TTY the status line is redrawn below it. */
  log = (line: string): void => {
    this.#clear();
    this.#out.write(`${line}\n`);
    this.#draw();
  };

  /** Starts showing "loading <label>" with the elapsed time until `done()`. */
  loading(label: string): void {
    this.done();
    this.#label = label;
    this.#since = this.#now();
    this.#lastOutput = '';
    this.#lastProbe = '';
    this.#timer = setInterval(() => this.#tick(), this.#tty ? this.#opts.ttyMs : this.#opts.logMs);
    this.#timer.unref();
    this.#draw();
  }

  /** The latest output line of the process being waited for, shown in the status. */
  note(line: string): void {
    if (line.trim()) this.#lastOutput = line.trim();
  }

  progress(p: ReadinessProgress): void {
    this.#lastProbe = `${p.phase === 'health' ? '/health' : '/v1/models'}: ${p.lastError ?? 'waiting'}`;
  }

  done(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clear();
    this.#label = undefined;
  }

  /** The status text, e.g. "loading vLLM facebook/opt-125m… 1m05s — /health: connection refused — last: INFO …". */
  status(): string {
    const parts = [`loading vLLM ${this.#label ?? ''}… ${formatElapsed(this.#now() - this.#since)}`];
    if (this.#lastProbe) parts.push(this.#lastProbe);
    if (this.#lastOutput) parts.push(`last: ${this.#lastOutput}`);
    return parts.join(' — ');
  }

  #tick(): void {
    if (this.#tty) {
      this.#clear();
      this.#draw();
    } else {
      this.#out.write(`${this.status()}\n`);
    }
  }

  #draw(): void {
    if (!this.#tty || this.#label === undefined) return;
    const width = Math.max(20, (this.#out.columns ?? 80) - 1);
    const text = this.status();
    // One physical line, so that \r plus erase-line clears all of it.
    this.#out.write(text.length > width ? `${text.slice(0, width - 1)}…` : text);
    this.#drawn = true;
  }

  #clear(): void {
    if (!this.#drawn) return;
    this.#out.write('\r\x1b[2K');
    this.#drawn = false;
  }
}
