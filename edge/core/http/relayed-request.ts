// One relayed request's events (the Hub's RelayEvents) for the OpenAI routes:
// its observation (metrics, request log), its usage record and its key's
// concurrency slot. One object per request holding strings and the few objects
// it needs, not the route's Hono context or closures: it lives as long as the
// stream (issue 17, memory per held stream).
import type { Usage } from '../../../protocol/index';
import type { RelayEvents } from '../hub/index';
import type { RequestObservation } from '../metrics/index';
import type { TenantStore } from '../store/index';

const NO_TOKENS: Usage = { prompt_tokens: 0, completion_tokens: 0 };
const noop = () => {};

/**
 * Records the request's usage exactly once: the agent's when it reports one,
 * else zero tokens once the stream is over and a response was given (a relay
 * that failed before answering is not a served request). `done` may come
 * before `responded` when a short response ends in the same turn.
 */
export class RelayedRequest implements RelayEvents {
  /** Frees the key's concurrency slot: set once the slot is taken. */
  release: () => void = noop;
  readonly #obs: RequestObservation;
  readonly #store: Pick<TenantStore, 'recordUsage'>;
  readonly #keyId: string;
  readonly #model: string;
  readonly #requestId: string;
  readonly #log: (line: string) => void;
  #recorded = false;
  #finished = false;
  #answered = false;

  constructor(obs: RequestObservation, store: Pick<TenantStore, 'recordUsage'>, keyId: string, model: string, requestId: string, log: (line: string) => void) {
    this.#obs = obs;
    this.#store = store;
    this.#keyId = keyId;
    this.#model = model;
    this.#requestId = requestId;
    this.#log = log;
  }

  usage(usage: Usage): void {
    this.#obs.usage(usage);
    this.#record(usage);
  }

  firstData(): void {
    this.#obs.firstData();
  }

  streamError(code: string): void {
    this.#obs.streamError(code);
  }

  done(): void {
    this.release();
    this.#finished = true;
    if (this.#answered) this.#record(NO_TOKENS);
    this.#obs.finished();
  }

  /** The client got the relayed response's head. */
  responded(status: number): void {
    this.#answered = true;
    if (this.#finished) this.#record(NO_TOKENS);
    this.#obs.answered(status);
  }

  #record(usage: Usage): void {
    if (this.#recorded) return;
    this.#recorded = true;
    try {
      this.#store.recordUsage(this.#keyId, usage, this.#model);
    } catch (err) {
      this.#log(`request ${this.#requestId}: recording usage of ${this.#keyId} failed: ${String(err)}`);
    }
  }
}
