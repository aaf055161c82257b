// The client going away, told to the Hub from Node's ServerResponse. node-server
// builds an AbortController for `request.signal`, and with the Hub's listener that
// cost ~12 µs a request (EventTarget is slow in Node); a 'close' listener costs
// well under one.
import type { ServerResponse } from 'node:http';
import type { ClientSignal } from '../core/hub/index';

/** Aborts, as node-server's signal does, when the response closes before it finished. */
export class ResponseCloseSignal implements ClientSignal {
  readonly #out: ServerResponse;
  /** Each listener with its 'close' handler; usually one (the Hub's), so an array, not a Map (issue 17, memory per stream). */
  #listeners: { listener: () => void; onClose: () => void }[] = [];

  constructor(out: ServerResponse) {
    this.#out = out;
  }

  get aborted(): boolean {
    return this.#out.destroyed && !this.#out.writableFinished;
  }

  /** Listeners run at most once (`once` is implied). */
  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (this.#listeners.some((l) => l.listener === listener)) return;
    const onClose = () => {
      this.#forget(listener);
      if (!this.#out.writableFinished) listener();
    };
    this.#listeners.push({ listener, onClose });
    this.#out.once('close', onClose);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const onClose = this.#forget(listener);
    if (onClose) this.#out.removeListener('close', onClose);
  }

  /** Drops a listener; returns its 'close' handler, if it had one. */
  #forget(listener: () => void): (() => void) | undefined {
    const at = this.#listeners.findIndex((l) => l.listener === listener);
    return at < 0 ? undefined : this.#listeners.splice(at, 1)[0].onClose;
  }
}
