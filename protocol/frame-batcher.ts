// Coalesces outgoing frames into one WebSocket message per event-loop turn, so
// many small token chunks from many streams cost one socket write, not one each.
import { MAX_MESSAGE_BYTES } from './defaults';
import { encodeFrames, frameSize } from './frame-codec';
import type { Frame } from './frame-types';

export interface FrameBatcherOptions {
  /** Sends one encoded message. */
  send: (message: Uint8Array) => void;
  /** Runs `fn` at the end of this turn (setImmediate on Node, a resolved promise elsewhere). */
  schedule: (fn: () => void) => void;
  maxMessageBytes?: number;
}

export class FrameBatcher {
  #pending: Frame[] = [];
  #pendingBytes = 0;
  #scheduled = false;
  #opts: FrameBatcherOptions;
  #max: number;

  constructor(opts: FrameBatcherOptions) {
    this.#opts = opts;
    this.#max = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  }

  /** Bytes queued but not yet handed to the socket. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  push(frame: Frame): void {
    const size = frameSize(frame);
    if (this.#pendingBytes + size > this.#max && this.#pending.length > 0) this.flush();
    this.#pending.push(frame);
    this.#pendingBytes += size;
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#opts.schedule(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.#pending.length === 0) return;
    const frames = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#opts.send(encodeFrames(frames));
  }

  /** Drops queued frames (the socket is gone). */
  clear(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}
