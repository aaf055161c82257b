// When to restart vLLM after it exits, and when to give up: delays double from
// 1 s to 30 s with each recent exit; a crash loop is too many exits within a
// window, or too many in a row that never reached readiness.
import { CRASH_LOOP_EXITS, CRASH_WINDOW_MS, RESTART_BASE_MS, RESTART_CAP_MS } from './defaults';

export interface RestartPolicyOptions {
  baseMs?: number;
  capMs?: number;
  maxExits?: number;
  windowMs?: number;
}

export type RestartDecision = { giveUp: false; delayMs: number } | { giveUp: true; reason: string };

export class RestartPolicy {
  #o: Required<RestartPolicyOptions>;
  #exits: number[] = [];
  #unreadyStreak = 0;

  constructor(opts: RestartPolicyOptions = {}) {
    this.#o = {
      baseMs: opts.baseMs ?? RESTART_BASE_MS,
      capMs: opts.capMs ?? RESTART_CAP_MS,
      maxExits: opts.maxExits ?? CRASH_LOOP_EXITS,
      windowMs: opts.windowMs ?? CRASH_WINDOW_MS,
    };
  }

  /** Records an exit at `now`; `wasReady` says whether that run had become ready. */
  exited(now: number, wasReady: boolean): RestartDecision {
    this.#exits = [...this.#exits.filter((t) => now - t < this.#o.windowMs), now];
    this.#unreadyStreak = wasReady ? 0 : this.#unreadyStreak + 1;
    const { maxExits, windowMs } = this.#o;
    if (this.#unreadyStreak >= maxExits) {
      return { giveUp: true, reason: `vLLM exited ${this.#unreadyStreak} times in a row without becoming ready` };
    }
    if (this.#exits.length >= maxExits) {
      return { giveUp: true, reason: `vLLM exited ${this.#exits.length} times within ${Math.round(windowMs / 1000)} s` };
    }
    const n = Math.max(this.#exits.length, this.#unreadyStreak);
    return { giveUp: false, delayMs: Math.min(this.#o.capMs, this.#o.baseMs * 2 ** (n - 1)) };
  }
}
