// One agent's WebSocket as the Hub sees it: handshake, frame decoding and
// dispatch to its streams or to stream 0 (connection-frames.ts); what goes out
// passes through link-socket.ts. Bad input closes this socket with a reason; it
// never throws into the host.
import {
  CloseCode,
  DeadlineQueue,
  CONNECTION_STREAM,
  decodeFrames,
  INITIAL_STREAM_WINDOW,
  negotiateVersion,
  ProtocolError,
  StreamTable,
  type Frame,
  type Hello,
} from '../../../protocol/index';
import { readConnectionFrame } from './connection-frames';
import { acceptHello, helloTimedOut } from './handshake';
import { LinkSocket } from './link-socket';
import { DrainWaiters } from './drain-waiters';
import { StreamIds } from './stream-ids';
import { ControlRate } from './control-rate';
import { agentInfo } from './agent-info';
import type { LinkEvents, LinkOptions } from './link-types';
import { RESPONSE_HEAD_TIMEOUT_MS } from '../defaults';
import type { AgentConnection, AgentInfo, AgentSocket, LinkMemory, StreamInfo } from '../hub/index';
import { type RequestRelay, RelayStream, type StreamLink } from '../relay/index';

export class AgentLink implements AgentConnection, StreamLink {
  readonly initialWindow = INITIAL_STREAM_WINDOW;
  readonly directBodies: boolean;
  /** Every stream's head deadline (HubOptions.headTimeoutMs), on one timer (protocol/deadlines.ts). */
  readonly headDeadlines: DeadlineQueue;
  #socket: LinkSocket;
  #rate: ControlRate;
  /** Streams whose body upload waits for the socket to drain. */
  #blocked = new DrainWaiters();
  #events: LinkEvents;
  #opts: LinkOptions;
  #phase: 'handshake' | 'live' | 'closed' = 'handshake';
  #hello: Hello | undefined;
  #models = new Set<string>();
  #draining = false;
  #streams = new StreamTable<RelayStream>();
  #ids = new StreamIds();
  #connectedAt: number;
  #helloTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(socket: AgentSocket, events: LinkEvents, opts: LinkOptions) {
    this.#events = events;
    this.#opts = opts;
    this.#connectedAt = opts.now();
    this.directBodies = opts.directBodies ?? false;
    this.headDeadlines = new DeadlineQueue(opts.headTimeoutMs ?? RESPONSE_HEAD_TIMEOUT_MS);
    this.#rate = new ControlRate(opts.now);
    this.#socket = new LinkSocket(socket, {
      schedule: opts.schedule,
      log: (line) => opts.log(`agent ${this.agentId ?? '?'}: ${line}`),
      sendFailed: () => this.#fail(CloseCode.internalError, 'send failed'),
      overflow: (why) => this.#fail(CloseCode.policyViolation, why),
      drained: () => this.#blocked.drained(() => this.#isClosed),
      drainTimeoutMs: opts.drainTimeoutMs,
    });
  }

  get agentId(): string | undefined {
    return this.#hello?.agentId;
  }

  get hello(): Hello | undefined {
    return this.#hello;
  }

  get #isClosed(): boolean {
    return this.#phase === 'closed';
  }

  get inflight(): number {
    return this.#streams.size;
  }

  /** Ready, not draining, serves `model`, and has a free slot. */
  canTake(model: string): boolean {
    const hello = this.#hello;
    return this.#phase === 'live' && hello !== undefined && hello.ready && !this.#draining
      && this.#streams.size < hello.maxInflight && this.#models.has(model);
  }

  /** Ready and not draining: its models count as served now. */
  get serving(): boolean {
    return this.#phase === 'live' && this.#hello?.ready === true && !this.#draining;
  }

  serves(model: string): boolean {
    return this.#models.has(model);
  }

  info(): AgentInfo {
    return agentInfo(this.#hello!, { inflight: this.#streams.size, draining: this.#draining, connectedAt: this.#connectedAt });
  }

  streams(): StreamInfo[] {
    const agentId = this.#hello?.agentId ?? '?';
    return this.#streams.values().map((stream) => stream.info(agentId));
  }

  /** A host restored this socket (hibernation): live at once with the remembered hello, no handshake. */
  restore(hello: Hello, memory?: LinkMemory): void {
    const version = negotiateVersion(hello.protocol);
    if (!version.ok) return this.#failWith(version.error);
    if (memory) {
      this.#ids = new StreamIds(memory.nextStream);
      this.#draining = memory.draining;
      this.#connectedAt = memory.connectedAt;
    } else {
      this.#opts.log(`agent ${hello.agentId}: restored without memory; stream ids restart at 1`);
    }
    this.#becomeLive(hello);
  }

  /** A fresh socket (not restored): closes it with 1008 unless its hello arrives within `ms`. */
  awaitHello(ms: number): void {
    if (this.#phase !== 'handshake') return;
    this.#helloTimer = setTimeout(() => this.#failWith(helloTimedOut(ms)), ms);
  }

  /** Opens a stream for `relay` (the Hub checked canTake). */
  open(relay: RequestRelay): RelayStream {
    const [id, grew] = this.#ids.allocate();
    if (grew) this.#remember();
    const stream = new RelayStream(id, this, relay);
    this.#streams.set(id, stream);
    stream.start();
    // u32 ids must never repeat on a connection: at the last one the agent redials.
    if (this.#ids.exhausted) this.#socket.close(CloseCode.goingAway, 'stream ids exhausted; reconnect');
    return stream;
  }

  send(frame: Frame): void {
    if (this.#phase !== 'closed') this.#socket.push(frame);
  }

  /** The socket holds more than its high-water mark: uploads wait (`waitForDrain`). */
  get congested(): boolean {
    return this.#socket.congested;
  }

  /** `stream` resumes its upload once the socket drains. */
  waitForDrain(stream: RelayStream): void {
    this.#blocked.add(stream);
  }

  /** A WebSocket-level ping or pong from the agent (Node host): counted like any heartbeat. */
  control(): void {
    if (this.#phase === 'closed') return;
    if (!this.#rate.take()) this.#failWith(this.#overRate());
  }

  release(stream: RelayStream): void {
    this.#blocked.delete(stream);
    if (this.#streams.get(stream.id) !== stream) return;
    this.#streams.delete(stream.id);
    if (this.#phase === 'live') this.#events.capacity(this);
  }

  schedule(fn: () => void): void {
    this.#opts.schedule(fn);
  }

  /** Closes the socket from the edge side (replaced, shutting down). */
  close(code: number, reason: string): void {
    this.#fail(code, reason);
  }

  message(data: Uint8Array | string): void {
    if (this.#phase === 'closed') return;
    try {
      if (typeof data === 'string') return this.#text(data);
      const decoded = decodeFrames(data);
      if (!decoded.ok) return this.#failWith(decoded.error);
      for (const frame of decoded.value) {
        const err = this.#phase === 'handshake' ? this.#handshake(frame) : this.#receive(frame);
        if (err) return this.#failWith(err);
        if (this.#isClosed) return; // a stream's callback closed us (e.g. the Hub shut down)
      }
    } catch (cause) {
      this.#opts.log(`agent ${this.agentId ?? '?'}: internal error: ${cause instanceof Error ? cause.stack : String(cause)}`);
      this.#fail(CloseCode.internalError, 'internal error');
    }
  }

  closed(code: number, reason: string): void {
    if (this.#phase === 'closed') return;
    try {
      this.#teardown(`socket closed ${code}${reason ? ` ${reason}` : ''}`);
    } catch (cause) {
      this.#opts.log(`agent ${this.agentId ?? '?'}: error while closing: ${String(cause)}`);
    }
  }

  #text(text: string): void {
    // Text carries heartbeats only (protocol/README.md). The Node host answers the agent's
    // heartbeat here; on Workers the runtime's auto-response answers it without waking the object.
    if (text !== 'ping') return this.#fail(CloseCode.unsupportedData, 'text message is not a heartbeat');
    if (!this.#rate.take()) return this.#failWith(this.#overRate());
    this.#socket.sendText('pong');
  }

  #overRate(): ProtocolError {
    return new ProtocolError('ERR_RATE', `too many control messages: over ${this.#rate.perSecond}/s`, CloseCode.policyViolation);
  }

  #handshake(frame: Frame): ProtocolError | undefined {
    const accepted = acceptHello(frame, this.#opts.heartbeatMs);
    if (!accepted.ok) return accepted.error;
    this.send(accepted.value.welcome); // before any request frame: same batch, earlier place
    this.#becomeLive(accepted.value.hello);
    return undefined;
  }

  #becomeLive(hello: Hello): void {
    clearTimeout(this.#helloTimer);
    this.#phase = 'live';
    this.#setHello(hello);
    this.#remember();
    this.#opts.log(`agent ${hello.agentId}: live, ${hello.models.length} models, maxInflight ${hello.maxInflight}${hello.ready ? '' : ', not ready'}`);
    this.#events.live(this);
  }

  #receive(frame: Frame): ProtocolError | undefined {
    if (frame.stream === CONNECTION_STREAM) {
      if (!this.#rate.take()) return this.#overRate();
      return this.#connectionFrame(frame);
    }
    const stream = this.#streams.get(frame.stream);
    if (stream) return stream.receive(frame);
    if (!this.#ids.used(frame.stream)) {
      return new ProtocolError('ERR_FRAME_STREAM', `frame for stream ${frame.stream}, which the edge never opened`);
    }
    return undefined; // a finished stream: frames already in flight are normal
  }

  #connectionFrame(frame: Frame): ProtocolError | undefined {
    const previous = this.#hello!;
    const read = readConnectionFrame(frame, previous.agentId);
    if (!read.ok) return read.error;
    const change = read.value;
    if (change.kind === 'reply') this.send(change.frame);
    if (change.kind === 'reply' || change.kind === 'none') return undefined;
    if (change.kind === 'hello') this.#setHello(change.hello);
    else this.#opts.log(`agent ${previous.agentId}: draining${change.reason ? ` (${change.reason})` : ''}`);
    this.#draining = change.kind === 'drain'; // a later hello ends a drain
    this.#remember();
    this.#events.changed(this, previous);
    return undefined;
  }

  #setHello(hello: Hello): void {
    this.#hello = hello;
    this.#models = new Set(hello.models);
  }

  #remember(): void {
    const hello = this.#hello;
    if (!hello) return;
    const memory: LinkMemory = { nextStream: this.#ids.reservedTo, draining: this.#draining, connectedAt: this.#connectedAt };
    this.#socket.remember(hello, memory);
  }

  #failWith(err: ProtocolError): void {
    this.#fail(err.closeCode, err.message);
  }

  #fail(code: number, reason: string): void {
    if (this.#phase === 'closed') return;
    this.#opts.log(`agent ${this.agentId ?? '?'}: closing ${code}: ${reason}`);
    this.#socket.flush(); // a welcome or cancels already queued still go out before the close
    this.#socket.close(code, reason);
    this.#teardown(`closed by the edge: ${reason}`);
  }

  #teardown(why: string): void {
    const wasLive = this.#phase === 'live';
    this.#phase = 'closed';
    clearTimeout(this.#helloTimer);
    this.#socket.clear();
    this.#blocked.clear();
    const streams = this.#streams.values();
    this.#streams.clear();
    if (wasLive) this.#events.closed(this);
    for (const stream of streams) stream.linkLost(why);
  }
}

