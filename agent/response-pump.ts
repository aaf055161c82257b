// Moves one upstream response body into `data` frames, never past the stream's
// credit and never while the socket is backed up: it pauses the upstream body
// instead, so a slow client costs memory at neither the edge nor the agent.
import type { Readable } from 'node:stream';
import { controlFrame, FrameType, MAX_DATA_CHUNK, type SendWindow, type Usage } from '../protocol/index';
import type { FrameSink } from './link-session';
import type { UsageTap } from './usage-tap';

export interface ResponsePumpOptions {
  stream: number;
  body: Readable;
  tap: UsageTap;
  window: SendWindow;
  sink: FrameSink;
  /** The stream is over: `end` or `error` has been sent (or the pump was stopped). */
  onDone(outcome: { usage?: Usage; error?: Error }): void;
}

export class ResponsePump {
  #opts: ResponsePumpOptions;
  /** Bytes read from the upstream but not yet sent: at most one upstream chunk while paused. */
  #queue: Uint8Array[] = [];
  #ended = false;
  #done = false;

  constructor(opts: ResponsePumpOptions) {
    this.#opts = opts;
    const { body } = opts;
    body.on('data', (chunk: Buffer) => {
      const out = opts.tap.push(chunk);
      if (out && out.byteLength > 0) this.#queue.push(out);
      this.pump();
    });
    body.once('end', () => {
      const tail = opts.tap.finish();
      if (tail && tail.byteLength > 0) this.#queue.push(tail);
      this.#ended = true;
      this.pump();
    });
    body.on('error', (error) => this.#finish({ error }));
  }

  /** The edge returned credit (`window`). */
  grant(bytes: number): void {
    this.#opts.window.grant(bytes);
    this.pump();
  }

  /** Sends what credit and the socket allow, then pauses or resumes the upstream body. */
  pump(): void {
    if (this.#done) return;
    const { sink, window, stream, body } = this.#opts;
    while (this.#queue.length > 0 && !sink.congested) {
      const head = this.#queue[0];
      const n = window.allowance(Math.min(head.byteLength, MAX_DATA_CHUNK));
      if (n === 0) break;
      sink.send({ type: FrameType.data, stream, payload: head.subarray(0, n) });
      window.spend(n);
      if (n === head.byteLength) this.#queue.shift();
      else this.#queue[0] = head.subarray(n);
    }
    if (this.#queue.length > 0) {
      body.pause();
      return;
    }
    if (this.#ended) {
      const usage = this.#opts.tap.usage;
      sink.send(controlFrame('end', stream, usage ? { usage } : {}));
      this.#finish({ usage });
      return;
    }
    if (sink.congested) body.pause();
    else body.resume();
  }

  /** Stops without sending anything more (cancel, or the socket is gone). */
  stop(): void {
    this.#done = true;
    this.#opts.body.destroy();
  }

  #finish(outcome: { usage?: Usage; error?: Error }): void {
    if (this.#done) return;
    this.#done = true;
    this.#opts.onDone(outcome);
  }
}
