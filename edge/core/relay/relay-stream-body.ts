// The client side of one relayed response body, fed by the agent's `data`
// frames. Bytes count as consumed only when the client takes them, so credit
// (and the agent's sending) follows the client's pace. The body reaches the
// client through an outlet: a web ReadableStream (`stream`, any host), or a
// host's own writer (the Node edge writes straight to the ServerResponse).
import { concatBytes, type Deadline, type DeadlineQueue, type DeadlineTarget } from '../../../protocol/index';

export interface BodyReader {
  /** The client took `bytes` of agent data. */
  consumed(bytes: number): void;
  /** The client cancelled the body (went away). */
  cancelled(reason: unknown): void;
  /** Runs `fn` at the end of this turn (the Hub's schedule). */
  schedule(fn: () => void): void;
}

/** Where the body goes: each call answers one `want()`, except `error`, which may come at any time. */
export interface BodyOutlet {
  enqueue(chunk: Uint8Array): void;
  close(): void;
  error(reason: unknown): void;
}

type Tail = { kind: 'close'; last?: Uint8Array } | { kind: 'error'; error: unknown };

export class RelayBody implements DeadlineTarget {
  #reader: BodyReader;
  #outlet: BodyOutlet | undefined;
  #stream: ReadableStream<Uint8Array> | undefined;
  /** Agent bytes the client has not taken yet (at most one window: the agent has no more credit). */
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** The client wants data: what arrives this turn goes to it at the turn's end. */
  #wanting = false;
  #deliverScheduled = false;
  #tail: Tail | undefined;
  #over = false;
  /** An error that came before any outlet was attached. */
  #early: unknown;
  /** Until the agent's first byte: the keep-alive beat (keepAlive). */
  #beats: DeadlineQueue | undefined;
  #beat: Deadline | undefined;
  #comment: Uint8Array | undefined;

  constructor(reader: BodyReader) {
    this.#reader = reader;
  }

  /**
   * The body as a web ReadableStream (made on first use). highWaterMark 0:
   * pull() runs only while the client has a read pending.
   */
  get stream(): ReadableStream<Uint8Array> {
    this.#stream ??= new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.attach({
            enqueue: (chunk) => controller.enqueue(chunk),
            close: () => controller.close(),
            error: (reason) => controller.error(reason),
          });
        },
        pull: () => this.want(),
        cancel: (reason) => this.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return this.#stream;
  }

  /** Connects the body to the client; `want()` asks for the first chunk. */
  attach(outlet: BodyOutlet): void {
    this.#outlet = outlet;
    if (this.#over && this.#early !== undefined) outlet.error(this.#early);
  }

  /**
   * Until the agent's first byte, hands `comment` (an SSE comment line) to a
   * waiting client every `beats.ms`: a long prefill then looks alive to
   * proxies (keep-alive.ts). Not agent data, so it takes no credit.
   */
  keepAlive(beats: DeadlineQueue, comment: Uint8Array): void {
    this.#beats = beats;
    this.#comment = comment;
    this.#beat = beats.add(this);
  }

  /** A keep-alive interval passed with no agent byte. */
  onDeadline(): void {
    this.#beat = undefined;
    if (this.#over || this.#tail || this.#chunks.length > 0) return;
    if (this.#wanting && this.#outlet) {
      this.#wanting = false;
      this.#outlet.enqueue(this.#comment!);
    }
    this.#beat = this.#beats!.add(this);
  }

  #stopBeat(): void {
    if (this.#beat === undefined) return;
    this.#beat = this.#beats!.cancel(this.#beat);
  }

  /** The client is ready for more. */
  want(): void {
    if (this.#over || !this.#outlet) return;
    if (this.#chunks.length > 0) return this.#hand(this.#takeQueued());
    if (this.#tail) return this.#applyTail();
    this.#wanting = true;
  }

  /** The client went away. */
  cancel(reason: unknown): void {
    if (this.#over) return;
    this.#drop();
    this.#reader.cancelled(reason);
  }

  /** Agent bytes waiting for the client. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Hands a chunk to the client. `chunk` may be a view into the agent's whole
   * coalesced message. While the client wants data, the chunks of this turn go
   * out together at its end: one client write per stream per turn, however
   * many frames the turn's messages held for it (a write per frame was a third
   * of the Node edge's CPU when streaming). Views are kept only until then; a
   * chunk that must wait for the client is copied, so a slow client never
   * holds a whole message alive for one stream's few bytes.
   */
  push(chunk: Uint8Array): void {
    if (this.#over || this.#tail) return;
    if (this.#beat !== undefined) this.#stopBeat();
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

  /** The agent finished: close once the client has taken what is queued. */
  end(): void {
    this.#finishWith({ kind: 'close' });
  }

  /** A last chunk of the Hub's own (the SSE error event) after the queued ones, then close. */
  endWith(last: Uint8Array): void {
    this.#finishWith({ kind: 'close', last });
  }

  /** Error the body once the client has taken what is queued. */
  fail(error: unknown): void {
    this.#finishWith({ kind: 'error', error });
  }

  /** Error the body now, dropping what is queued (the client is gone anyway). */
  abort(error: unknown): void {
    if (this.#over) return;
    this.#drop();
    if (this.#outlet) this.#outlet.error(error);
    else this.#early = error;
  }

  /** End of the turn: the waiting client takes what arrived meanwhile. */
  #deliver(): void {
    this.#deliverScheduled = false;
    if (this.#over || !this.#wanting || this.#chunks.length === 0) return;
    this.#hand(this.#takeQueued());
  }

  /** Bookkeeping first: the outlet may ask for more from inside enqueue(). */
  #hand(chunk: Uint8Array): void {
    this.#wanting = false;
    this.#reader.consumed(chunk.byteLength);
    this.#outlet!.enqueue(chunk);
  }

  #finishWith(tail: Tail): void {
    this.#stopBeat();
    if (this.#over || this.#tail) return;
    this.#tail = tail;
    if (this.#wanting && this.#chunks.length === 0) {
      this.#wanting = false;
      this.#applyTail();
    }
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
    const outlet = this.#outlet!;
    this.#over = true;
    if (tail.kind === 'error') return outlet.error(tail.error);
    // The client wants data: `last` answers it, and the body closes behind it.
    if (tail.last) outlet.enqueue(tail.last);
    outlet.close();
  }

  #drop(): void {
    this.#stopBeat();
    this.#over = true;
    this.#chunks = [];
    this.#buffered = 0;
  }
}

/**
 * Where a Response the Hub made carries the body its host writes itself
 * (HubOptions.directBodies): a property of the Response, not a WeakMap beside
 * it. Measured: with a long-lived WeakMap from Response to body, V8's
 * young-generation GC kept every entry's value (the body, and through it the
 * whole request) alive until the next full GC, so the Node edge promoted ~4 KB
 * per request to the old generation and its scavenges took ~10 ms instead of
 * ~2 ms (bench/README.md, "Garbage collection").
 */
const DIRECT_BODY = Symbol('vllama.directBody');
const DIRECT_HEAD = Symbol('vllama.directHead');

type WithDirectBody = Response & { [DIRECT_BODY]?: RelayBody; [DIRECT_HEAD]?: Record<string, string> };

/**
 * Marks `res` (made with a null body and `headers` as its init) as carrying
 * `body` for the host to write, under the very `headers` record: the host
 * writes that, so no `Headers` object is made for it. Headers for a relayed
 * response go into it before the Response is made (RelayRequest.responseHeaders).
 */
export function withDirectBody(res: Response, body: RelayBody, headers: Record<string, string>): Response {
  (res as WithDirectBody)[DIRECT_BODY] = body;
  (res as WithDirectBody)[DIRECT_HEAD] = headers;
  return res;
}

/** The body a host must write for `res`, if the Hub left it to the host. */
export function directBodyOf(res: Response): RelayBody | undefined {
  return (res as WithDirectBody)[DIRECT_BODY];
}

/** The headers a host writes with a direct body (all of the response's: see withDirectBody). */
export function directHeadOf(res: Response): Readonly<Record<string, string>> | undefined {
  return (res as WithDirectBody)[DIRECT_HEAD];
}
