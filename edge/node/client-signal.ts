// The client going away, told to the Hub from Node's ServerResponse. node-server
// builds an AbortController for `request.signal`, and with the Hub's listener that
// cost ~12 µs a request (EventTarget is slow in Node); a 'close' listener costs
// well under one.
import type { ServerResponse } from 'node:http';
import type { ClientSignal } from '../core/hub/index';

/** Aborts, as node-server's signal does, when the response closes before it finished. */
export class ResponseCloseSignal implements ClientSignal {
  readonly #out: ServerResponse;
  readonly #listeners = new Map<() => void, () => void>();

  constructor(out: ServerResponse) {
    this.#out = out;
  }

  get aborted(): boolean {
    return this.#out.destroyed && !this.#out.writableFinished;
  }

  /** Listeners run at most once (`once` is implied). */
  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (this.#listeners.has(listener)) return;
    const onClose = () => {
      this.#listeners.delete(listener);
      if (!this.#out.writableFinished) listener();
    };
    this.#listeners.set(listener, onClose);
    this.#out.once('close', onClose);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const onClose = this.#listeners.get(listener);
    if (!onClose) return;
    this.#listeners.delete(listener);
    this.#out.removeListener('close', onClose);
  }
}
