// Streams whose request-body upload waits for the agent socket to drain: the
// link's backpressure on uploads, apart from its handshake and frame routing.
import type { RelayStream } from '../relay/index';

export class DrainWaiters {
  #waiting = new Set<RelayStream>();

  /** `stream` resumes its upload at the next drain. */
  add(stream: RelayStream): void {
    this.#waiting.add(stream);
  }

  /** The stream is over: it no longer waits. */
  delete(stream: RelayStream): void {
    this.#waiting.delete(stream);
  }

  /** The socket drained: resumes every waiting stream, unless one of them got the link closed (`closed()`). */
  drained(closed: () => boolean): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const stream of waiting) {
      stream.resume();
      if (closed()) return;
    }
  }

  clear(): void {
    this.#waiting.clear();
  }
}
