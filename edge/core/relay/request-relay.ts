// One client request on its way through the Hub: the promise relay() returns,
// its current attempt, and the once-only `done` event, across retries on other agents.
import type { Usage } from '../../../protocol/index';
import type { HttpError } from '../errors';
import type { RelayEvents, RelayRequest } from '../hub/index';
import type { RelayStream } from './relay-stream';

/** What a RequestRelay asks of the Hub. */
export interface RelayHooks {
  /** The agent of the current attempt vanished before answering: place the request again. */
  retry(relay: RequestRelay): void;
  /** The agent of the current attempt could not reach its upstream (`error` with `retry`): try another agent, or fail with `err`. */
  failover(relay: RequestRelay, err: HttpError): void;
  /** `req.signal` aborted: the client went away. */
  abort(relay: RequestRelay): void;
  log(line: string): void;
}

const NO_BODY = new Uint8Array(0);

/** relay()'s promise, from the outside. */
interface Resolvers {
  resolve(res: Response): void;
  reject(err: HttpError): void;
}

const NONE: ReadonlySet<object> = new Set();

export class RequestRelay {
  readonly req: RelayRequest;
  /** Streams opened for this request so far. */
  attempts = 0;
  /** The attempt in progress, if any (none while queued). */
  stream: RelayStream | undefined;
  /** Agent connections that refused this request (their upstream is down): not picked again for it. */
  get avoid(): ReadonlySet<object> {
    return this.#avoid ?? NONE;
  }
  /** Made at the first refusal: a held stream carries no Set (issue 17, memory per stream). */
  #avoid: Set<object> | undefined;
  /** When it last went into the queue (ms); 0 when not waiting (metrics: queue wait). */
  queuedAt = 0;
  #sawData = false;
  #hooks: RelayHooks;
  // Dropped once used: a resolving function keeps its promise, and a fulfilled promise its
  // Response (Headers and all), for as long as the stream is held.
  #resolvers: Resolvers | undefined;
  #settled = false;
  #done = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onAbort: (() => void) | undefined;

  constructor(req: RelayRequest, hooks: RelayHooks) {
    this.req = req;
    this.#hooks = hooks;
    if (req.signal && !req.signal.aborted) {
      // bind, not an arrow function. Measured: with `() => hooks.abort(this)` here, V8's
      // young-generation GC kept every request's objects alive until a full GC (~3.5 KB
      // promoted per request, 9 ms scavenges in the Node edge; bench/README.md, "Garbage
      // collection"). The arrow's context (this, hooks) is what differs; why V8 keeps it is open.
      this.#onAbort = hooks.abort.bind(hooks, this);
      req.signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /**
   * What relay() returns: resolves with the client Response or rejects with an
   * HttpError. Call once, before anything can settle it; the RequestRelay does not keep it.
   */
  response(): Promise<Response> {
    if (this.#resolvers || this.#settled) throw new Error('RequestRelay.response() must be called once, before the relay settles');
    return new Promise<Response>((resolve, reject) => {
      this.#resolvers = { resolve, reject };
    });
  }

  /** relay() has resolved or rejected. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The request is over and its `done` event was told. */
  get done(): boolean {
    return this.#done;
  }

  /** The agent answered: relay() resolves; the stream calls finish() when the body is over. */
  respond(res: Response): void {
    this.#settle()?.resolve(res);
  }

  /** The request fails before a response: relay() rejects and the request is over. */
  fail(err: HttpError): void {
    this.#settle()?.reject(err);
    this.finish();
  }

  /** Marks relay() settled and hands over its resolvers, the first time only. */
  #settle(): Resolvers | undefined {
    if (this.#settled) return undefined;
    this.#settled = true;
    const resolvers = this.#resolvers;
    this.#resolvers = undefined;
    return resolvers;
  }

  /** The attempt's agent could not reach its upstream; no byte of the request reached a model server. */
  refused(link: object, err: HttpError): void {
    this.stream = undefined;
    (this.#avoid ??= new Set()).add(link);
    if (!this.#done) this.#hooks.failover(this, err);
  }

  /** The attempt's agent vanished before answering. */
  lost(): void {
    this.stream = undefined;
    if (!this.#done) this.#hooks.retry(this);
  }

  /**
   * Answered and the body all sent: no attempt will send the body or the headers
   * again (a retry happens only before a response), so a held stream lets them go.
   */
  dropPayload(): void {
    this.req.body = NO_BODY;
    this.req.headers = {};
  }

  /** A response body byte arrived (the first one is the time to first token). */
  data(): void {
    if (this.#sawData) return;
    this.#sawData = true;
    this.#tell('firstData');
  }

  /** An answered stream broke off with `code`. */
  broke(code: string): void {
    this.#tell('streamError', code);
  }

  usage(usage: Usage): void {
    this.#tell('usage', usage);
  }

  /** The request is over, however it ended; tells `events.done` once. */
  finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.stream = undefined;
    this.stopWaiting();
    if (this.#onAbort) this.req.signal?.removeEventListener('abort', this.#onAbort);
    this.#tell('done');
  }

  /** Arms the queue timeout. */
  wait(ms: number, onTimeout: () => void): void {
    this.stopWaiting();
    this.#timer = setTimeout(onTimeout, ms);
  }

  stopWaiting(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Tells the host's `events` (if it listens for `name`); what they throw must not break the Hub's bookkeeping. */
  #tell<K extends keyof RelayEvents>(name: K, ...args: Parameters<NonNullable<RelayEvents[K]>>): void {
    const events = this.req.events;
    const listener = events?.[name] as ((...a: typeof args) => void) | undefined;
    if (!listener) return;
    try {
      listener.apply(events, args);
    } catch (cause) {
      this.#hooks.log(`request ${this.req.requestId}: ${name} threw: ${String(cause)}`);
    }
  }
}
