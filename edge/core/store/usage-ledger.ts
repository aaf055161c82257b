// Usage rows per key, day and model: written in the request's turn, or counted
// in memory and written in one transaction every `flushMs` (the Node edge), so a
// busy edge does not pay two SQLite upserts per request.
import { atomically, type Sql } from './sql';
import type { TokenCounts } from './store-types';

interface PendingUsage {
  keyId: string;
  day: string;
  model: string;
  requests: number;
  prompt: number;
  completion: number;
}

const UPSERT_USAGE = `INSERT INTO usage (key_id, day, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (key_id, day) DO UPDATE SET
    requests = requests + excluded.requests,
    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens`;

const UPSERT_MODEL_USAGE = `INSERT INTO model_usage (key_id, day, model, requests, prompt_tokens, completion_tokens) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (key_id, day, model) DO UPDATE SET
    requests = requests + excluded.requests,
    prompt_tokens = prompt_tokens + excluded.prompt_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens`;

export class UsageLedger {
  readonly #sql: Sql;
  readonly #flushMs: number;
  readonly #log: (line: string) => void;
  #pending = new Map<string, PendingUsage>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(sql: Sql, opts: { flushMs: number; log: (line: string) => void }) {
    this.#sql = sql;
    this.#flushMs = opts.flushMs;
    this.#log = opts.log;
  }

  /** Counts one finished request and its tokens on the key's row for `day` (and the model's). */
  add(keyId: string, day: string, model: string, usage: TokenCounts): void {
    if (this.#flushMs <= 0) {
      atomically(this.#sql, () => {
        this.#sql.run(UPSERT_USAGE, keyId, day, 1, usage.prompt_tokens, usage.completion_tokens);
        this.#sql.run(UPSERT_MODEL_USAGE, keyId, day, model, 1, usage.prompt_tokens, usage.completion_tokens);
      });
      return;
    }
    const slot = `${keyId}\n${day}\n${model}`;
    let pending = this.#pending.get(slot);
    if (!pending) {
      pending = { keyId, day, model, requests: 0, prompt: 0, completion: 0 };
      this.#pending.set(slot, pending);
    }
    pending.requests += 1;
    pending.prompt += usage.prompt_tokens;
    pending.completion += usage.completion_tokens;
    this.#schedule();
  }

  /** Tokens counted for the key on `day` and not written yet. */
  pendingTokens(keyId: string, day: string): number {
    let tokens = 0;
    for (const p of this.#pending.values()) if (p.keyId === keyId && p.day === day) tokens += p.prompt + p.completion;
    return tokens;
  }

  /** Writes what is counted in memory, in one transaction. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.size === 0) return;
    const rows = [...this.#pending.values()];
    atomically(this.#sql, () => {
      for (const r of rows) {
        this.#sql.run(UPSERT_USAGE, r.keyId, r.day, r.requests, r.prompt, r.completion);
        this.#sql.run(UPSERT_MODEL_USAGE, r.keyId, r.day, r.model, r.requests, r.prompt, r.completion);
      }
    });
    this.#pending.clear();
  }

  #flushSafely(): void {
    try {
      this.flush();
    } catch (err) {
      this.#log(`writing usage failed, will retry: ${String(err)}`);
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => this.#flushSafely(), this.#flushMs);
    // The timer must not hold a Node process open (Workers timers have no unref).
    (this.#timer as { unref?: () => void }).unref?.();
  }
}
