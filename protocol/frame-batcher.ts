// Coalesces outgoing frames into one WebSocket message per event-loop turn, so
// many small token chunks from many streams cost one socket write, not one each.
// A frame that opens a stream (request, response) waits at most BATCH_HOLD_MS
// of a long turn: a burst of requests, or the first responses of one, goes out
// as it is parsed, so the other side starts on the first while this side works
// on the rest (issue 17: a burst of 100 requests reached the agent as one
// message after the edge had parsed the last of them). Data frames coalesce to
// the turn's end: more tokens per client write.
import { BATCH_HOLD_MS, MAX_MESSAGE_BYTES } from './defaults';
import { encodeFrames, frameSize } from './frame-codec';
import { FrameType, type Frame } from './frame-types';

export interface FrameBatcherOptions {
  /** Sends one encoded message. */
  send: (message: Uint8Array) => void;
  /** Runs `fn` at the end of this turn (setImmediate on Node, a resolved promise elsewhere). */
  schedule: (fn: () => void) => void;
  maxMessageBytes?: number;
  /** The longest a queued request or response frame waits for more while the turn goes on (default BATCH_HOLD_MS). */
  holdMs?: number;
  /** The clock for holdMs (default performance.now; Workers' does not move within an event, so there a turn is never cut). */
  now?: () => number;
}

export class FrameBatcher {
  #pending: Frame[] = [];
  #pendingBytes = 0;
  #scheduled = false;
  #opts: FrameBatcherOptions;
  #max: number;
  #holdMs: number;
  #now: () => number;
  /** When the oldest queued request or response frame was pushed; -1: none queued. */
  #openingSince = -1;

  constructor(opts: FrameBatcherOptions) {
    this.#opts = opts;
    this.#max = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    this.#holdMs = opts.holdMs ?? BATCH_HOLD_MS;
    this.#now = opts.now ?? (() => performance.now());
  }

  /** Bytes queued but not yet handed to the socket. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  push(frame: Frame): void {
    const size = frameSize(frame);
    if (this.#pendingBytes + size > this.#max && this.#pending.length > 0) this.flush();
    if (this.#openingSince >= 0 && this.#now() - this.#openingSince >= this.#holdMs) this.flush();
    if (this.#openingSince < 0 && (frame.type === FrameType.request || frame.type === FrameType.response)) this.#openingSince = this.#now();
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
    this.#openingSince = -1;
    this.#opts.send(encodeFrames(frames));
  }

  /** Drops queued frames (the socket is gone). */
  clear(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#openingSince = -1;
  }
}
