// The client going away, told to the Hub from Node's ServerResponse. node-server
// builds an AbortController for `request.signal`, and with the Hub's listener that
// cost ~12 µs a request (EventTarget is slow in Node); a 'close' listener costs
// well under one.
import type { ServerResponse } from 'node:http';
import type { ClientSignal } from '../core/hub/index';

/** Aborts, as node-server's signal does, when the response closes before it finished. */
export class ResponseCloseSignal implements ClientSignal {
  readonly #out: ServerResponse;
  /** Usually one listener (the Hub's); made at the first (issue 17, memory per stream). */
  #listeners: (() => void)[] | undefined;
  #closed = false;

  constructor(out: ServerResponse) {
    this.#out = out;
  }

  get aborted(): boolean {
    return this.#out.destroyed && !this.#out.writableFinished;
  }

  /** Listeners run at most once (`once` is implied). */
  addEventListener(_type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (this.#closed) return;
    if (!this.#listeners) {
      this.#listeners = [];
      // One 'close' listener for all of them, with `on`: 'close' comes once, and `once` wraps.
      this.#out.on('close', () => this.#close());
    }
    if (!this.#listeners.includes(listener)) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.#listeners?.indexOf(listener) ?? -1;
    if (at >= 0) this.#listeners!.splice(at, 1);
  }

  #close(): void {
    this.#closed = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    if (this.#out.writableFinished || !listeners) return;
    for (const listener of listeners) listener();
  }
}
