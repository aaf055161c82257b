// The streams of one edge connection: takes each request from frames, calls
// the upstream, and relays the response back. Every stream runs on its own;
// none ever waits for another (the seed project lost 35× by serialising them).
import {
  CloseCode,
  controlFrame,
  DeadlineQueue,
  FrameType,
  frameTypeName,
  parseControl,
  ProtocolError,
  ReceiveWindow,
  SendWindow,
  StreamTable,
  type Frame,
  type RequestHead,
  type Usage,
} from '../../protocol/index';
import { HEAD_HOLD_MS, MAX_REQUEST_BODY } from '../defaults';
import type { StreamHandler, FrameSink } from '../link/index';
import { responseFrameHeaders, upstreamRequestHeaders } from './headers';
import { ResponsePump } from './response-pump';
import type { AgentMetrics, StreamMeter } from '../metrics';
import type { Upstream, UpstreamCall, UpstreamHandlers } from './upstream';
import { createUsageTap, planUsage } from './usage-tap';

export interface RelayOptions {
  sink: FrameSink;
  upstream: Upstream;
  /** `welcome.initialWindow`: credit per stream and direction. */
  initialWindow: number;
  maxBody?: number;
  log(line: string): void;
  /** A request could not connect to the upstream at all: take the agent out of rotation until it answers. */
  unreachable?(): void;
  metrics?: AgentMetrics;
}

/** Errors that mean no byte of the request reached the upstream, so another agent may safely take it. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

interface Stream {
  id: number;
  /** The request's head until it is forwarded (a held stream keeps only its id). */
  head: RequestHead | undefined;
  requestId: string;
  body: Uint8Array[];
  bodyBytes: number;
  /** Request-body credit the edge still has; spending past it is a violation. */
  credit: number;
  receive: ReceiveWindow;
  send: SendWindow;
  /** Set once `end` arrived and the upstream request is under way. */
  call?: UpstreamCall;
  /** planUsage's: the usage event the agent asked for is taken out of the response. */
  strip: boolean;
  pump?: ResponsePump<Stream>;
  meter?: StreamMeter;
}

export class LinkRelay implements StreamHandler {
  #opts: RelayOptions;
  #streams = new StreamTable<Stream>();
  /** Highest id opened: an unknown id at or below it belongs to a finished stream. */
  #highest = 0;
  #idle: (() => void)[] = [];
  #refusedLoggedAt = 0;
  /** Every pump's head hold, on one timer (protocol/deadlines.ts). */
  readonly #holds = new DeadlineQueue(HEAD_HOLD_MS);

  constructor(opts: RelayOptions) {
    this.#opts = opts;
  }

  get inflight(): number {
    return this.#streams.size;
  }

  /** Resolves when no stream is in flight. */
  idle(): Promise<void> {
    if (this.#streams.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  frame(frame: Frame): ProtocolError | undefined {
    if (frame.type === FrameType.request) return this.#open(frame);
    const stream = this.#streams.get(frame.stream);
    if (!stream) {
      // Frames racing a finished stream are normal; frames for one never opened are not (README §Streams 5).
      if (frame.stream <= this.#highest) return undefined;
      return new ProtocolError('ERR_FRAME_STREAM', `${frameTypeName(frame.type)} frame for stream ${frame.stream}, which was never opened`);
    }
    switch (frame.type) {
      case FrameType.data:
        return this.#data(stream, frame.payload);
      case FrameType.end:
        return this.#end(stream, frame.payload);
      case FrameType.window: {
        const grant = parseControl('window', frame.payload);
        if (!grant.ok) return this.#badFrame(stream, grant.error);
        if (stream.pump) stream.pump.grant(grant.value.bytes);
        else stream.send.grant(grant.value.bytes);
        return undefined;
      }
      case FrameType.cancel:
      case FrameType.error:
        this.#stop(stream);
        return undefined;
      default:
        return this.#badFrame(stream, new ProtocolError('ERR_FRAME_TYPE', `${frameTypeName(frame.type)} frame on stream ${frame.stream}`));
    }
  }

  /** A control frame for one open stream that the agent cannot read: that stream fails, the link stays. */
  #badFrame(stream: Stream, error: ProtocolError): undefined {
    this.#fail(stream, { code: 'bad_frame', message: `the agent could not read a frame of this request: ${error.message}`, status: 502 });
    return undefined;
  }

  drained(): void {
    for (const stream of this.#streams.values()) stream.pump?.pump();
  }

  closed(): void {
    for (const stream of this.#streams.values()) this.#stop(stream);
  }

  #open(frame: Frame): ProtocolError | undefined {
    // Reusing an id breaks the connection's bookkeeping: a link-level violation.
    if (frame.stream === 0 || this.#streams.has(frame.stream)) {
      return new ProtocolError('ERR_FRAME_STREAM', `request frame reuses stream ${frame.stream}`);
    }
    this.#highest = Math.max(this.#highest, frame.stream);
    const head = parseControl('request', frame.payload);
    if (!head.ok) {
      // A bad head concerns this one request (a long URL, odd headers): fail the stream, keep the link.
      // Its data and end frames that follow are ignored as frames of a finished stream.
      this.#refuse(frame.stream, head.error.message);
      return undefined;
    }
    const { initialWindow } = this.#opts;
    this.#streams.set(frame.stream, {
      id: frame.stream,
      head: head.value,
      requestId: head.value.requestId,
      body: [],
      bodyBytes: 0,
      credit: initialWindow,
      receive: new ReceiveWindow(initialWindow),
      send: new SendWindow(initialWindow),
      strip: false,
    });
    return undefined;
  }

  #data(stream: Stream, payload: Uint8Array): ProtocolError | undefined {
    if (stream.call) return undefined; // after `end`; nothing more is read
    if (payload.byteLength > stream.credit) {
      return new ProtocolError('ERR_WINDOW', `stream ${stream.id} sent ${payload.byteLength} bytes with ${stream.credit} of credit`, CloseCode.policyViolation);
    }
    stream.credit -= payload.byteLength;
    const maxBody = this.#opts.maxBody ?? MAX_REQUEST_BODY;
    if (stream.bodyBytes + payload.byteLength > maxBody) {
      this.#fail(stream, { code: 'request_too_large', message: `request body exceeds ${maxBody} bytes`, status: 413 });
      return undefined;
    }
    // Payloads are views into the received message; ws gives each message its own buffer.
    stream.body.push(payload);
    stream.bodyBytes += payload.byteLength;
    // The body is taken as it arrives, so credit goes back at once (in quarter-window grants).
    const grant = stream.receive.consume(payload.byteLength);
    if (grant > 0) {
      stream.credit += grant;
      this.#opts.sink.send(controlFrame('window', stream.id, { bytes: grant }));
    }
    return undefined;
  }

  #end(stream: Stream, payload: Uint8Array): ProtocolError | undefined {
    const end = parseControl('end', payload);
    if (!end.ok) return this.#badFrame(stream, end.error);
    if (!stream.call) this.#forward(stream);
    return undefined;
  }

  #forward(stream: Stream): void {
    const head = stream.head!;
    const plan = planUsage(head, Buffer.concat(stream.body));
    stream.body = [];
    stream.head = undefined;
    // The stream keeps `strip`, not the plan and its body.
    stream.strip = plan.strip;
    const headers = upstreamRequestHeaders(head.headers);
    // vLLM names its request after X-Request-Id (--enable-request-id-headers): one id in both logs.
    if (head.requestId && !headers['x-request-id']) headers['x-request-id'] = head.requestId;
    const request = { method: head.method, path: head.path, headers, body: plan.body.byteLength > 0 ? plan.body : null };
    stream.meter = this.#opts.metrics?.stream(head.path.split('?')[0]);
    stream.call = this.#opts.upstream.stream(request, this.#calls, stream);
  }

  /** The upstream calls' callbacks, one object for every stream (each gets its stream). */
  readonly #calls: UpstreamHandlers<Stream> = {
    response: (stream, status, resHeaders, source) => {
      stream.meter?.response(status);
      const contentType = resHeaders['content-type'];
      stream.pump = new ResponsePump({
        stream: stream.id,
        head: controlFrame('response', stream.id, { status, headers: responseFrameHeaders(resHeaders) }),
        source,
        tap: createUsageTap(Array.isArray(contentType) ? contentType[0] : contentType, stream.strip),
        window: stream.send,
        sink: this.#opts.sink,
        holds: this.#holds,
        ctx: stream,
        onDone: this.#pumpDone,
      });
    },
    data: (stream, chunk) => {
      stream.meter?.firstData();
      stream.pump?.data(chunk);
    },
    end: (stream) => stream.pump?.end(),
    error: (stream, err, responded) => {
      if (responded) return stream.pump?.error(err);
      // The edge may show the message to the client: name the failure, not loopback addresses.
      const code = (err as { code?: string }).code ?? err.name;
      // The request never reached the model server: the edge may send it to another agent,
      // and this agent stops taking requests until its upstream answers again.
      const unreached = NOT_CONNECTED.has(code);
      if (unreached) this.#opts.unreachable?.();
      this.#fail(
        stream,
        code === 'UND_ERR_HEADERS_TIMEOUT'
          ? { code: 'upstream_timeout', message: 'the model server did not answer in time', status: 504 }
          : { code: 'upstream_unreachable', message: `the model server is unreachable (${code})`, status: 502, ...(unreached ? { retry: true } : {}) },
        `${this.#opts.upstream.url}: ${err.message}`,
      );
    },
  };

  readonly #pumpDone = (stream: Stream, { error, usage }: { usage?: Usage; error?: Error }): void => {
    if (usage) stream.meter?.usage(usage);
    if (error) this.#fail(stream, { code: 'upstream_reset', message: `upstream ended the response early: ${error.message}` });
    else this.#forget(stream);
  };

  /** Answers a request frame the agent could not read with `error` (400), and logs it at most once a second. */
  #refuse(id: number, why: string): void {
    this.#opts.sink.send(controlFrame('error', id, { code: 'bad_request_frame', message: `the agent could not read the request: ${why}`.slice(0, 4096), status: 400 }));
    const now = Date.now();
    if (now - this.#refusedLoggedAt < 1000) return;
    this.#refusedLoggedAt = now;
    this.#opts.log(`stream ${id}: refused a request frame: ${why}`);
  }

  /** Ends a stream with `error`; the edge answers the client or retries elsewhere. `detail` is for the local log only. */
  #fail(stream: Stream, error: { code: string; message: string; status?: number; retry?: boolean }, detail = error.message): void {
    if (!this.#streams.has(stream.id)) return;
    // A head still held goes first: the edge has the upstream's status for a stream that already had one.
    stream.pump?.sendHead();
    stream.meter?.fail(error.code, error.status);
    this.#opts.sink.send(controlFrame('error', stream.id, { ...error, message: error.message.slice(0, 4096) }));
    this.#opts.log(`stream ${stream.id} (${stream.requestId}): ${error.code}: ${detail}`);
    this.#stop(stream);
  }

  /** Aborts the upstream request at once, which makes vLLM free the sequence, and sends nothing more. */
  #stop(stream: Stream): void {
    stream.pump?.stop();
    stream.call?.abort();
    this.#forget(stream);
  }

  #forget(stream: Stream): void {
    if (!this.#streams.delete(stream.id)) return;
    stream.meter?.done();
    if (this.#streams.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
