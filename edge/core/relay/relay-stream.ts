// One request relayed on one agent connection (one stream id): uploads the body
// within the agent's credit, turns the agent's frames into the client Response,
// and grants credit back as the client reads.
import {
  CloseCode,
  controlFrame,
  fitsControlFrame,
  FrameType,
  MAX_DATA_CHUNK,
  MAX_RESPONSE_HEAD_BYTES,
  parseControl,
  ProtocolError,
  ReceiveWindow,
  SendWindow,
  type ControlMessage,
  type ControlTypeName,
  type Deadline,
  type DeadlineTarget,
  type Frame,
  type ResponseHead,
  type Usage,
} from '../../../protocol/index';
import { HttpError } from '../errors';
import { PROMPT_TOKEN_SLACK } from '../defaults';
import { badGateway, headTimeout, headersTooLarge, type StreamInfo } from '../hub/index';
import { KEEP_ALIVE_COMMENT } from '../http/index';
import type { RequestRelay } from './request-relay';
import type { StreamLink } from './relay-stream-link';
import { RelayBody, withDirectBody, type BodyReader } from './relay-stream-body';
import { clientHeaders, hasNullBody, sseErrorEvent } from './response-head';

type Phase = 'opening' | 'streaming' | 'over';

/** A response frame's JSON: the head's bytes plus quotes, colons and escapes. */
const MAX_RESPONSE_PAYLOAD = MAX_RESPONSE_HEAD_BYTES * 2;

export class RelayStream implements DeadlineTarget, BodyReader {
  readonly id: number;
  #link: StreamLink;
  #relay: RequestRelay;
  #phase: Phase = 'opening';
  #upload: SendWindow;
  #offset = 0;
  #uploaded = false;
  /** Bytes the agent may still send before it must wait for a grant. */
  #credit: number;
  #grants: ReceiveWindow;
  #body: RelayBody | undefined;
  #sse = false;
  /** Request body bytes, and response body bytes the agent sent: what bound its usage report. */
  #requestBytes = 0;
  #relayed = 0;
  #headDeadline: Deadline | undefined;

  constructor(id: number, link: StreamLink, relay: RequestRelay) {
    this.id = id;
    this.#link = link;
    this.#relay = relay;
    this.#upload = new SendWindow(link.initialWindow);
    this.#credit = link.initialWindow;
    this.#grants = new ReceiveWindow(link.initialWindow);
  }

  info(agentId: string): StreamInfo {
    const { requestId, model } = this.#relay.req;
    const phase = this.#phase === 'opening' ? 'opening' : 'streaming';
    return { agentId, stream: this.id, requestId, model, phase, bufferedBytes: this.#body?.bufferedBytes ?? 0 };
  }

  /** Sends `request`, then as much of the body as credit allows. */
  start(): void {
    const { method, path, headers, requestId, model, usageHint, body } = this.#relay.req;
    this.#requestBytes = body.byteLength;
    const head = controlFrame('request', this.id, { method, path, headers, requestId, model, usageHint });
    // The Hub checked the head's parts; JSON escaping may still grow it past a frame.
    if (!fitsControlFrame(head.payload)) {
      this.#close();
      return this.#relay.fail(headersTooLarge(`The request head is ${head.payload.byteLength} bytes as a frame; at most 65536 are relayed.`));
    }
    this.#link.send(head);
    this.#headDeadline = this.#link.headDeadlines.add(this);
    this.#sendBody();
  }

  /** The agent sent no response head in time. */
  onDeadline(): void {
    this.#headDeadline = undefined;
    this.abandon(headTimeout(this.#link.headDeadlines.ms));
  }

  /** The socket drained: go on with the upload. */
  resume(): void {
    if (this.#phase !== 'over') this.#sendBody();
  }

  /** A frame from the agent for this stream. Returns an error that must close the connection. */
  receive(frame: Frame): ProtocolError | undefined {
    if (frame.type === FrameType.data) return this.#data(frame.payload);
    switch (frame.type) {
      case FrameType.response:
        if (frame.payload.byteLength > MAX_RESPONSE_PAYLOAD) {
          this.#refuse(`The agent sent a response head of ${frame.payload.byteLength} bytes; at most ${MAX_RESPONSE_HEAD_BYTES} are relayed.`);
          return undefined;
        }
        return this.#parse('response', frame.payload, (head) => this.#response(head));
      case FrameType.window:
        return this.#parse('window', frame.payload, ({ bytes }) => {
          this.#upload.grant(bytes);
          if (this.#phase !== 'over') this.#sendBody();
        });
      case FrameType.end:
        return this.#parse('end', frame.payload, ({ usage }) => this.#end(usage));
      case FrameType.error:
        return this.#parse('error', frame.payload, ({ code, message, status, retry }) =>
          this.#agentFailed(new HttpError(status ?? 502, code, message), retry === true),
        );
      case FrameType.cancel:
        return this.#parse('cancel', frame.payload, ({ reason }) =>
          this.#agentFailed(new HttpError(502, 'agent_cancelled', `The agent abandoned the request${reason ? `: ${reason}` : '.'}`)),
        );
      default:
        this.#refuse(`The agent sent a frame of type ${frame.type}, which is not valid on a stream.`);
        return undefined;
    }
  }

  /** The edge gives up on the stream (client gone, Hub closing): tells the agent once. */
  abandon(err: HttpError): void {
    if (this.#phase === 'over') return;
    this.#link.send(controlFrame('cancel', this.id, { reason: err.message.slice(0, 256) }));
    const wasStreaming = this.#phase === 'streaming';
    this.#close();
    if (wasStreaming) {
      this.#relay.broke(err.code);
      this.#body?.abort(err);
      this.#relay.finish();
    } else {
      this.#relay.fail(err);
    }
  }

  /** The connection is gone (already torn down; nothing to send). */
  linkLost(why: string): void {
    if (this.#phase === 'over') return;
    const wasStreaming = this.#phase === 'streaming';
    this.#phase = 'over';
    this.#headDeadline = this.#link.headDeadlines.cancel(this.#headDeadline);
    if (!wasStreaming) return this.#relay.lost();
    this.#relay.broke('agent_disconnected');
    this.#endBodyWithError(new HttpError(502, 'agent_disconnected', `The agent disconnected mid-response (${why}).`));
    this.#relay.finish();
  }

  #sendBody(): void {
    if (this.#uploaded) return;
    const body = this.#relay.req.body;
    while (this.#offset < body.byteLength) {
      if (this.#link.congested) return this.#link.waitForDrain(this);
      const n = this.#upload.allowance(Math.min(MAX_DATA_CHUNK, body.byteLength - this.#offset));
      if (n === 0) return;
      this.#link.send({ type: FrameType.data, stream: this.id, payload: body.subarray(this.#offset, this.#offset + n) });
      this.#upload.spend(n);
      this.#offset += n;
    }
    this.#uploaded = true;
    this.#link.send(controlFrame('end', this.id, {}));
    if (this.#phase === 'streaming') this.#relay.dropPayload();
  }

  #data(payload: Uint8Array): ProtocolError | undefined {
    if (payload.byteLength > this.#credit) {
      return new ProtocolError(
        'ERR_WINDOW',
        `stream ${this.id}: ${payload.byteLength} data bytes exceed the ${this.#credit} bytes of credit`,
        CloseCode.policyViolation,
      );
    }
    this.#credit -= payload.byteLength;
    this.#relayed += payload.byteLength;
    if (this.#phase === 'opening') {
      this.#refuse('The agent sent body bytes before a response.');
    } else if (this.#body) {
      if (payload.byteLength > 0) {
        this.#relay.data();
        this.#body.push(payload);
      }
    } else {
      this.consumed(payload.byteLength); // a null-body status: nothing to hold
    }
    return undefined;
  }

  #response(head: ResponseHead): void {
    if (this.#phase !== 'opening') return this.#refuse('The agent sent a second response.');
    this.#headDeadline = this.#link.headDeadlines.cancel(this.#headDeadline);
    if (head.status < 200) return this.#refuse(`The agent answered with status ${head.status}.`);
    const headers = clientHeaders(head, this.#relay.req.requestId, this.#relay.req.responseHeaders);
    if (!headers) return this.#refuse('The agent sent an invalid response header.');
    this.#sse = (headers['content-type'] ?? '').startsWith('text/event-stream');
    const nullBody = hasNullBody(head.status, this.#relay.req.method);
    this.#body = nullBody
      ? undefined
      : new RelayBody(this);
    const beats = this.#relay.req.keepAlive;
    if (this.#body && this.#sse && beats) this.#body.keepAlive(beats, KEEP_ALIVE_COMMENT);
    this.#phase = 'streaming';
    if (this.#uploaded) this.#relay.dropPayload();
    const direct = this.#body && this.#link.directBodies ? this.#body : undefined;
    const res = new Response(direct ? null : (this.#body?.stream ?? null), { status: head.status, headers });
    this.#relay.respond(direct ? withDirectBody(res, direct, headers) : res);
  }

  #end(usage: Usage | undefined): void {
    if (this.#phase === 'opening') return this.#refuse('The agent ended the stream without a response.');
    if (this.#phase === 'over') return;
    this.#close();
    this.#body?.end();
    if (usage) this.#relay.usage(this.#bounded(usage));
    this.#relay.finish();
  }

  /**
   * What the agent reports, bounded by what the stream could have produced: a
   * token is at least a byte of the text it encodes (defaults.ts PROMPT_TOKEN_SLACK).
   */
  #bounded(usage: Usage): Usage {
    return {
      prompt_tokens: Math.min(usage.prompt_tokens, this.#requestBytes + PROMPT_TOKEN_SLACK),
      completion_tokens: Math.min(usage.completion_tokens, this.#relayed),
    };
  }

  /** The agent sent `error` or `cancel`: the stream is over on its side. `retry`: the request never reached its upstream. */
  #agentFailed(err: HttpError, retry = false): void {
    if (this.#phase === 'over') return;
    const wasStreaming = this.#phase === 'streaming';
    this.#close();
    if (!wasStreaming && retry) return this.#relay.refused(this.#link, err);
    if (!wasStreaming) return this.#relay.fail(err);
    this.#relay.broke(err.code);
    this.#endBodyWithError(err);
    this.#relay.finish();
  }

  /** The agent broke this stream's rules: cancel it there, fail it here; other streams go on. */
  #refuse(message: string): void {
    this.#link.send(controlFrame('cancel', this.id, { reason: 'protocol violation' }));
    this.#agentFailed(badGateway(message));
  }

  /** An SSE client gets a final error event (the openai SDK raises APIError on it); others see the body error. */
  #endBodyWithError(err: HttpError): void {
    if (!this.#body) return;
    if (!this.#sse) return this.#body.fail(err);
    this.#body.endWith(sseErrorEvent(err));
  }

  // BodyReader: what the client's side of the body tells this stream (the stream
  // itself, not an object of closures: a held stream carries no more than it must).

  cancelled(): void {
    this.abandon(new HttpError(499, 'client_closed', 'client went away'));
  }

  schedule(fn: () => void): void {
    this.#link.schedule(fn);
  }

  /** The client took `bytes`: grant the agent that much credit again, in steps. */
  consumed(bytes: number): void {
    if (this.#phase === 'over') return;
    const grant = this.#grants.consume(bytes);
    if (grant === 0) return;
    this.#credit += grant;
    this.#link.send(controlFrame('window', this.id, { bytes: grant }));
  }

  #close(): void {
    this.#phase = 'over';
    this.#headDeadline = this.#link.headDeadlines.cancel(this.#headDeadline);
    this.#link.release(this);
  }

  /** A control frame this stream cannot read ends this stream (502), not the connection. */
  #parse<T extends ControlTypeName>(
    type: T,
    payload: Uint8Array,
    then: (message: ControlMessage<T>) => void,
  ): ProtocolError | undefined {
    const parsed = parseControl(type, payload);
    if (!parsed.ok) {
      this.#refuse(`The agent sent a bad ${type} frame: ${parsed.error.message.slice(0, 200)}`);
      return undefined;
    }
    then(parsed.value);
    return undefined;
  }
}
