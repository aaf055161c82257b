// One open WebSocket to the edge: coalesces outgoing frames per event-loop
// turn, decodes incoming messages, sends heartbeats and reports backpressure.
import type WebSocket from 'ws';
import { closeReason, CloseCode, decodeFrames, FrameBatcher, ProtocolError, type Frame } from '../../protocol/index';
import { countFrames } from '../metrics';
import { BUFFERED_HIGH_WATER, BUFFERED_LOW_WATER, MISSED_HEARTBEATS } from '../defaults';

/** What a relay needs from the link: a place to put frames and a backpressure signal. */
export interface FrameSink {
  send(frame: Frame): void;
  /** Bytes handed to the link but not yet written to the kernel. */
  readonly bufferedAmount: number;
  /** True above the high-water mark: stop reading upstream bodies until `drained`. */
  readonly congested: boolean;
  readonly closed: boolean;
}

export interface LinkSessionOptions {
  heartbeatMs: number;
  /** Handles decoded frames; a returned error closes the socket with its close code. */
  onFrames(frames: Frame[]): ProtocolError | undefined;
  /** The backlog fell below the low-water mark after being congested. */
  onDrain(): void;
  log(line: string): void;
  highWater?: number;
  lowWater?: number;
  /** Counts each binary WebSocket message (metrics): direction, frames, bytes. */
  onMessage?(direction: 'in' | 'out', frames: number, bytes: number): void;
}

/** How long a close handshake may take before the socket is destroyed (ws waits 30 s). */
const CLOSE_TIMEOUT_MS = 2_000;

export class LinkSession implements FrameSink {
  #ws: WebSocket;
  #opts: LinkSessionOptions;
  #batcher: FrameBatcher;
  #high: number;
  #low: number;
  #wasCongested = false;
  #missed = 0;
  #heartbeat?: NodeJS.Timeout;
  #closing = false;

  constructor(ws: WebSocket, opts: LinkSessionOptions) {
    this.#ws = ws;
    this.#opts = opts;
    this.#high = opts.highWater ?? BUFFERED_HIGH_WATER;
    this.#low = opts.lowWater ?? BUFFERED_LOW_WATER;
    this.#batcher = new FrameBatcher({ send: (message) => this.#write(message), schedule: setImmediate });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#receive(data, isBinary));
    ws.once('close', () => this.#dispose());
    this.setHeartbeat(opts.heartbeatMs);
  }

  get ws(): WebSocket {
    return this.#ws;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount + this.#batcher.pendingBytes;
  }

  /** Reading it as true arms `onDrain`: a paused reader is always woken once the backlog shrinks. */
  get congested(): boolean {
    const congested = this.bufferedAmount > this.#high;
    if (congested) this.#wasCongested = true;
    return congested;
  }

  get closed(): boolean {
    return this.#closing || this.#ws.readyState !== this.#ws.OPEN;
  }

  send(frame: Frame): void {
    if (!this.closed) this.#batcher.push(frame);
  }

  /** (Re)starts heartbeats; `welcome` may name an interval other than the default. */
  setHeartbeat(ms: number): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => {
      if (this.#missed >= MISSED_HEARTBEATS) {
        this.#opts.log(`edge silent for ${MISSED_HEARTBEATS} heartbeats (${(ms * MISSED_HEARTBEATS) / 1000} s), reconnecting`);
        this.terminate();
        return;
      }
      this.#missed++;
      if (!this.closed) this.#ws.send('ping');
    }, ms);
    this.#heartbeat.unref();
  }

  close(code: number, reason: string): void {
    if (this.#closing) return;
    this.#batcher.flush();
    this.#closing = true;
    this.#ws.close(code, closeReason(reason));
    setTimeout(() => this.terminate(), CLOSE_TIMEOUT_MS).unref();
  }

  terminate(): void {
    this.#closing = true;
    this.#ws.terminate();
  }

  #write(message: Uint8Array): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#opts.onMessage?.('out', countFrames(message), message.byteLength);
    // ws calls back once the message is written to the kernel; that is where the backlog shrinks.
    this.#ws.send(message, { binary: true }, (err) => {
      if (err || !this.#wasCongested || this.bufferedAmount >= this.#low) return;
      this.#wasCongested = false;
      this.#opts.onDrain();
    });
  }

  #receive(data: Buffer, isBinary: boolean): void {
    if (this.#closing) return;
    // Any message proves the edge alive; its pong may sit behind megabytes of data.
    this.#missed = 0;
    if (!isBinary) {
      const text = data.toString();
      if (text === 'pong') return;
      if (text === 'ping') return this.#ws.send('pong');
      return this.#fail(new ProtocolError('ERR_FRAME_TYPE', `unexpected text message "${text.slice(0, 32)}"`, CloseCode.unsupportedData));
    }
    const decoded = decodeFrames(data);
    if (decoded.ok) this.#opts.onMessage?.('in', decoded.value.length, data.byteLength);
    const error = decoded.ok ? this.#opts.onFrames(decoded.value) : decoded.error;
    if (error) this.#fail(error);
  }

  #fail(error: ProtocolError): void {
    this.#opts.log(`edge sent a bad message (${error.code}: ${error.message}); closing with ${error.closeCode}`);
    this.close(error.closeCode, error.message);
  }

  #dispose(): void {
    this.#closing = true;
    clearInterval(this.#heartbeat);
    this.#batcher.clear();
  }
}
