// The Node edge's HTTP requests in flight, for a graceful shutdown: once it
// drains, new requests get 503 and close() waits (up to a grace period) for the
// ones already running, streams included, to finish.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class InflightRequests {
  #open = 0;
  #draining = false;
  #idle: (() => void) | undefined;

  /** server.on('request', …): counts the response until it closes. */
  readonly track = (_req: IncomingMessage, res: ServerResponse): void => {
    this.#open++;
    res.once('close', () => {
      this.#open--;
      if (this.#open === 0) this.#idle?.();
    });
  };

  get open(): number {
    return this.#open;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Ends a drain now, as if the grace period were over. */
  cut(): void {
    this.#idle?.();
  }

  /** Stops taking requests; resolves when none is left or after `graceMs`, with how many were left. */
  async drain(graceMs: number): Promise<number> {
    this.#draining = true;
    if (this.#open === 0 || graceMs <= 0) return this.#open;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#idle = resolve;
      timer = setTimeout(resolve, graceMs);
    });
    clearTimeout(timer);
    this.#idle = undefined;
    return this.#open;
  }
}
