// Moves one upstream response body into `data` frames, never past the stream's
// credit and never while the socket is backed up: it pauses the upstream body
// instead, so a slow client costs memory at neither the edge nor the agent.
// The response head waits for the first body bytes (at most HEAD_HOLD_MS), so
// both go out in one message.
import { controlFrame, FrameType, MAX_DATA_CHUNK, type Deadline, type DeadlineQueue, type DeadlineTarget, type Frame, type SendWindow, type Usage } from '../../protocol/index';
import type { FrameSink } from '../link/index';
import type { BodySource } from './upstream';
import type { UsageTap } from './usage-tap';

export interface ResponsePumpOptions<C = undefined> {
  stream: number;
  /** The `response` frame: sent with the first data frame, the end, or after `holds.ms`, whichever is first. */
  head: Frame;
  /** The connection's head holds (HEAD_HOLD_MS each), on one timer for all its pumps. */
  holds: DeadlineQueue;
  /** Pauses and resumes the upstream body; its bytes come in through data()/end()/error(). */
  source: BodySource;
  tap: UsageTap;
  window: SendWindow;
  sink: FrameSink;
  /** Handed to `onDone`: one `onDone` then serves every pump of a connection, with no closure per stream. */
  ctx: C;
  /** The stream is over: `end` or `error` has been sent (or the pump was stopped). */
  onDone(ctx: C, outcome: { usage?: Usage; error?: Error }): void;
}

export class ResponsePump<C = undefined> implements DeadlineTarget {
  // The options' fields, not the options object: it holds the head frame, which a held stream must not keep once sent.
  readonly #stream: number;
  readonly #source: BodySource;
  readonly #tap: UsageTap;
  readonly #window: SendWindow;
  readonly #sink: FrameSink;
  readonly #holds: DeadlineQueue;
  readonly #ctx: C;
  readonly #onDone: ResponsePumpOptions<C>['onDone'];
  /** Bytes read from the upstream but not yet sent: at most one upstream chunk while paused. */
  #queue: Uint8Array[] = [];
  #ended = false;
  #done = false;
  #paused = false;
  #head: Frame | undefined;
  #hold: Deadline | undefined;

  constructor(opts: ResponsePumpOptions<C>) {
    this.#stream = opts.stream;
    this.#source = opts.source;
    this.#tap = opts.tap;
    this.#window = opts.window;
    this.#sink = opts.sink;
    this.#holds = opts.holds;
    this.#ctx = opts.ctx;
    this.#onDone = opts.onDone;
    this.#head = opts.head;
    this.#hold = opts.holds.add(this);
  }

  /** The head was held as long as it may be. */
  onDeadline(): void {
    this.#hold = undefined;
    this.sendHead();
  }

  /** Sends the held `response` frame now, if it has not gone yet. */
  sendHead(): void {
    const head = this.#head;
    if (!head) return;
    this.#clearHead();
    if (!this.#done) this.#sink.send(head);
  }

  /** A chunk of the upstream body. */
  data(chunk: Uint8Array): void {
    if (this.#done) return;
    const out = this.#tap.push(chunk);
    if (out && out.byteLength > 0) this.#queue.push(out);
    this.pump();
  }

  /** The upstream body ended. */
  end(): void {
    if (this.#done) return;
    const tail = this.#tap.finish();
    if (tail && tail.byteLength > 0) this.#queue.push(tail);
    this.#ended = true;
    this.pump();
  }

  /** The upstream body broke off. */
  error(error: Error): void {
    this.#finish({ error });
  }

  /** The edge returned credit (`window`). */
  grant(bytes: number): void {
    this.#window.grant(bytes);
    this.pump();
  }

  /** Sends what credit and the socket allow, then pauses or resumes the upstream body. */
  pump(): void {
    if (this.#done) return;
    const sink = this.#sink;
    const window = this.#window;
    const stream = this.#stream;
    if (this.#head && (this.#ended || this.#queue.length > 0)) this.sendHead();
    while (this.#queue.length > 0 && !sink.congested) {
      const head = this.#queue[0];
      const n = window.allowance(Math.min(head.byteLength, MAX_DATA_CHUNK));
      if (n === 0) break;
      sink.send({ type: FrameType.data, stream, payload: head.subarray(0, n) });
      window.spend(n);
      if (n === head.byteLength) this.#queue.shift();
      else this.#queue[0] = head.subarray(n);
    }
    if (this.#queue.length > 0) return this.#setPaused(true);
    if (this.#ended) {
      const usage = this.#tap.usage;
      sink.send(controlFrame('end', stream, usage ? { usage } : {}));
      this.#finish({ usage });
      return;
    }
    this.#setPaused(sink.congested);
  }

  /** Stops without sending anything more (cancel, or the socket is gone); the caller aborts the upstream call. */
  stop(): void {
    this.#done = true;
    this.#queue = [];
    this.#clearHead();
  }

  #clearHead(): void {
    this.#head = undefined;
    this.#hold = this.#holds.cancel(this.#hold);
  }

  #setPaused(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    if (paused) this.#source.pause();
    else this.#source.resume();
  }

  #finish(outcome: { usage?: Usage; error?: Error }): void {
    if (this.#done) return;
    // An upstream that breaks off before any byte still gets its head to the edge before the error.
    if (outcome.error) this.sendHead();
    this.#done = true;
    this.#queue = [];
    this.#clearHead();
    this.#onDone(this.#ctx, outcome);
  }
}
