// Per-stream flow-control credit (ARCHITECTURE.md "Flow control"). The sender
// side spends credit; the receiver side counts consumed bytes and decides when a
// `window` grant is worth a frame.
import { INITIAL_STREAM_WINDOW } from './defaults';

/** Credit a sender may still spend on one stream. */
export class SendWindow {
  #credit: number;

  constructor(initial: number = INITIAL_STREAM_WINDOW) {
    this.#credit = initial;
  }

  get credit(): number {
    return this.#credit;
  }

  /** Largest chunk that may go now, at most `want`. */
  allowance(want: number): number {
    return Math.max(0, Math.min(want, this.#credit));
  }

  spend(bytes: number): void {
    this.#credit -= bytes;
  }

  grant(bytes: number): void {
    this.#credit += bytes;
  }
}

/**
 * Receiver side: bytes consumed since the last grant. A grant goes out once a
 * quarter of the window is consumed, so a stream of tiny token chunks costs one
 * `window` frame per ~64 KiB rather than one per chunk.
 */
export class ReceiveWindow {
  #consumed = 0;
  #threshold: number;

  constructor(initial: number = INITIAL_STREAM_WINDOW) {
    this.#threshold = Math.max(1, Math.floor(initial / 4));
  }

  /** Records consumed bytes; returns the grant to send now, or 0. */
  consume(bytes: number): number {
    this.#consumed += bytes;
    if (this.#consumed < this.#threshold) return 0;
    const grant = this.#consumed;
    this.#consumed = 0;
    return grant;
  }
}
