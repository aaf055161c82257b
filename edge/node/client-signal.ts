// The client going away, told to the Hub from Node's ServerResponse. node-server
// builds an AbortController for `request.signal`, and with the Hub's listener that
// cost ~12 µs a request (EventTarget is slow in Node); a 'close' listener costs
// well under one.
import type { ServerResponse } from 'node:http';
import type { ClientSignal } from '../core/hub/index';

/** Aborts, as node-server's signal does, when the response closes before it finished. */
export class ResponseCloseSignal implements ClientSignal {
  readonly #out: ServerResponse;
  /** listener → its 'close' handler; made at the first listener other than the usual one. */
  #listeners: Map<() => void, () => void> | undefined;
  /** The usual case, one listener (the Hub's): no Map per request (issue 17, memory per stream). */
  #one: { listener: () => void; onClose: () => void } | undefined;

  constructor(out: ServerResponse) {
    this.#out = out;
  }

  get aborted(): boolean {
    return this.#out.destroyed && !this.#out.writableFinished;
  }

  /** Listeners run at most once (`once` is implied). */
  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (this.#one?.listener === listener || this.#listeners?.has(listener)) return;
    const onClose = () => {
      this.#forget(listener);
      if (!this.#out.writableFinished) listener();
    };
    if (!this.#one) this.#one = { listener, onClose };
    else (this.#listeners ??= new Map()).set(listener, onClose);
    this.#out.once('close', onClose);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const onClose = this.#forget(listener);
    if (onClose) this.#out.removeListener('close', onClose);
  }

  /** Drops a listener; returns its 'close' handler, if it had one. */
  #forget(listener: () => void): (() => void) | undefined {
    if (this.#one?.listener === listener) {
      const { onClose } = this.#one;
      this.#one = undefined;
      return onClose;
    }
    const onClose = this.#listeners?.get(listener);
    this.#listeners?.delete(listener);
    return onClose;
  }
}
