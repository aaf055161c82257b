// The client side of one relayed response body: a pull-based ReadableStream fed
// by the agent's `data` frames. Bytes count as consumed only when the client
// reads them, so credit (and the agent's sending) follows the client's pace.
import { concatBytes } from '../../protocol/index';

export interface BodyReader {
  /** The client took `bytes` of agent data. */
  consumed(bytes: number): void;
  /** The client cancelled the body (went away). */
  cancelled(reason: unknown): void;
  /** Runs `fn` at the end of this turn (the Hub's schedule). */
  schedule(fn: () => void): void;
}

type Tail = { kind: 'close'; last?: Uint8Array } | { kind: 'error'; error: unknown };

export class RelayBody {
  readonly stream: ReadableStream<Uint8Array>;
  #reader: BodyReader;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Agent bytes the client has not read yet (at most one window: the agent has no more credit). */
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** A read is pending: what arrives this turn goes to the client at the turn's end. */
  #wanting = false;
  #deliverScheduled = false;
  #tail: Tail | undefined;
  #over = false;

  constructor(reader: BodyReader) {
    this.#reader = reader;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: () => this.#pull(),
        cancel: (reason) => {
          if (this.#over) return;
          this.#drop();
          this.#reader.cancelled(reason);
        },
      },
      // highWaterMark 0: pull() runs only while the client has a read pending.
      { highWaterMark: 0 },
    );
  }

  /** Agent bytes waiting for the client. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Hands a chunk to the client. `chunk` may be a view into the agent's whole
   * coalesced message. With a read pending, the chunks of this turn go out
   * together at its end: one client write per stream per turn, however many
   * frames the turn's messages held for it (a write per frame was a third of
   * the Node edge's CPU when streaming). Views are kept only until then; a
   * chunk that must wait for the client is copied, so a slow client never
   * holds a whole message alive for one stream's few bytes.
   */
  push(chunk: Uint8Array): void {
    if (this.#over || this.#tail) return;
    if (this.#wanting) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.byteLength;
      if (!this.#deliverScheduled) {
        this.#deliverScheduled = true;
        this.#reader.schedule(() => this.#deliver());
      }
      return;
    }
    this.#chunks.push(chunk.slice());
    this.#buffered += chunk.byteLength;
  }

  /** The agent finished: close once the client has read what is queued. */
  end(): void {
    this.#finishWith({ kind: 'close' });
  }

  /** A last chunk of the Hub's own (the SSE error event) after the queued ones, then close. */
  endWith(last: Uint8Array): void {
    this.#finishWith({ kind: 'close', last });
  }

  /** Error the body once the client has read what is queued. */
  fail(error: unknown): void {
    this.#finishWith({ kind: 'error', error });
  }

  /** Error the body now, dropping what is queued (the client is gone anyway). */
  abort(error: unknown): void {
    if (this.#over) return;
    this.#drop();
    this.#controller.error(error);
  }

  /** End of the turn: the pending read takes what arrived meanwhile. */
  #deliver(): void {
    this.#deliverScheduled = false;
    if (this.#over || !this.#wanting || this.#chunks.length === 0) return;
    this.#wanting = false;
    const chunk = this.#takeQueued();
    this.#controller.enqueue(chunk);
    this.#reader.consumed(chunk.byteLength);
  }

  #finishWith(tail: Tail): void {
    if (this.#over || this.#tail) return;
    this.#tail = tail;
    if (this.#wanting && this.#chunks.length === 0) {
      this.#wanting = false;
      this.#applyTail();
    }
  }

  #pull(): void {
    if (this.#over) return;
    if (this.#chunks.length > 0) {
      const chunk = this.#takeQueued();
      this.#controller.enqueue(chunk);
      this.#reader.consumed(chunk.byteLength);
      return;
    }
    if (this.#tail) return this.#applyTail();
    this.#wanting = true;
  }

  /**
   * Everything queued, as one chunk: a client that fell behind catches up in one
   * read rather than one per token (each read of a Durable Object's response
   * body is a round trip to the Worker).
   */
  #takeQueued(): Uint8Array {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#buffered = 0;
    return concatBytes(chunks);
  }

  #applyTail(): void {
    const tail = this.#tail!;
    this.#over = true;
    if (tail.kind === 'error') return this.#controller.error(tail.error);
    // A read is pending: `last` fulfils it, and the stream closes behind it.
    if (tail.last) this.#controller.enqueue(tail.last);
    this.#controller.close();
  }

  #drop(): void {
    this.#over = true;
    this.#chunks = [];
    this.#buffered = 0;
  }
}

