// Exact per-key concurrency within one process or Durable Object: a key with
// max-concurrent N has at most N requests in flight; the rest wait in a FIFO
// (a freed slot passes straight to the oldest waiter) and get 429 only when
// that queue is full or they waited the queue timeout.
import { HttpError } from '../errors';
import { clientClosed } from './hub-errors';
import type { ClientSignal } from './hub-types';
import { CONCURRENCY_RETRY_AFTER_S, MAX_KEY_QUEUE, QUEUE_TIMEOUT_MS } from '../defaults';

export type Release = () => void;

interface Waiter {
  grant(release: Release): void;
  fail(err: HttpError): void;
}

interface Slots {
  running: number;
  waiting: Waiter[];
}

export interface ConcurrencyGateOptions {
  /** How long a request may wait for a slot before 429. */
  timeoutMs: number;
  /** Most requests waiting per key; more get 429 at once. */
  maxWaiting: number;
}

export class ConcurrencyGate {
  readonly #opts: ConcurrencyGateOptions;
  readonly #keys = new Map<string, Slots>();

  constructor(opts: ConcurrencyGateOptions) {
    this.#opts = opts;
  }

  /** Requests of the key in flight now. */
  running(keyId: string): number {
    return this.#keys.get(keyId)?.running ?? 0;
  }

  /** Requests of the key waiting for a slot. */
  waiting(keyId: string): number {
    return this.#keys.get(keyId)?.waiting.length ?? 0;
  }

  /** A slot now (its release), or undefined when the key is at `max`. */
  tryAcquire(keyId: string, max: number): Release | undefined {
    const slots = this.#slots(keyId);
    if (slots.running >= max || slots.waiting.length > 0) return undefined;
    slots.running++;
    return this.#releaser(keyId, slots);
  }

  /** A slot once one frees, in arrival order; rejects with 429 (queue full, timeout) or 499 (client gone). */
  acquire(keyId: string, max: number, signal?: ClientSignal): Promise<Release> {
    const now = this.tryAcquire(keyId, max);
    if (now) return Promise.resolve(now);
    const slots = this.#slots(keyId);
    if (slots.waiting.length >= this.#opts.maxWaiting) return Promise.reject(tooMany(max, 'queue_full'));
    return new Promise<Release>((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const at = slots.waiting.indexOf(waiter);
        if (at >= 0) slots.waiting.splice(at, 1);
        this.#tidy(keyId, slots);
      };
      const waiter: Waiter = {
        grant: (release) => {
          leave();
          resolve(release);
        },
        fail: (err) => {
          leave();
          reject(err);
        },
      };
      const onAbort = () => waiter.fail(clientClosed());
      const timer = setTimeout(() => waiter.fail(tooMany(max, 'timeout')), this.#opts.timeoutMs);
      if (signal?.aborted) return waiter.fail(clientClosed());
      signal?.addEventListener('abort', onAbort, { once: true });
      slots.waiting.push(waiter);
    });
  }

  #releaser(keyId: string, slots: Slots): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = slots.waiting[0];
      // The slot passes to the oldest waiter: running stays the same.
      if (next) return next.grant(this.#releaser(keyId, slots));
      slots.running--;
      this.#tidy(keyId, slots);
    };
  }

  #slots(keyId: string): Slots {
    let slots = this.#keys.get(keyId);
    if (!slots) {
      slots = { running: 0, waiting: [] };
      this.#keys.set(keyId, slots);
    }
    return slots;
  }

  #tidy(keyId: string, slots: Slots): void {
    if (slots.running === 0 && slots.waiting.length === 0 && this.#keys.get(keyId) === slots) this.#keys.delete(keyId);
  }
}

/** A tenant's gate, with the queue timeout of its Hub; one per tenant, shared by every route family (OpenAI, Ollama). */
export function tenantGate(queueTimeoutMs: number | undefined): ConcurrencyGate {
  return new ConcurrencyGate({ timeoutMs: queueTimeoutMs ?? QUEUE_TIMEOUT_MS, maxWaiting: MAX_KEY_QUEUE });
}

function tooMany(max: number, why: 'queue_full' | 'timeout'): HttpError {
  const detail = why === 'timeout' ? 'no slot freed within the queue timeout' : 'too many requests are already waiting';
  return new HttpError(429, 'concurrency_limit_exceeded', `Too many concurrent requests: this key allows ${max} at a time (${detail}).`, {
    headers: { 'retry-after': String(CONCURRENCY_RETRY_AFTER_S) },
  });
}
