// The edge's side of one agent WebSocket: frames coalesced into one message per
// event-loop turn, and socket calls that log a failure instead of throwing into the Hub.
import { FrameBatcher, type Frame, type Hello } from '../../protocol/index';
import type { AgentSocket, LinkMemory } from './hub-types';

export interface LinkSocketOptions {
  schedule: (fn: () => void) => void;
  /** Logs a line about this agent (the caller says which agent). */
  log: (line: string) => void;
  /** A send threw: the socket is dead. Called in a later turn, outside the batcher's flush. */
  sendFailed: () => void;
}

export class LinkSocket {
  #socket: AgentSocket;
  #opts: LinkSocketOptions;
  #batcher: FrameBatcher;

  constructor(socket: AgentSocket, opts: LinkSocketOptions) {
    this.#socket = socket;
    this.#opts = opts;
    this.#batcher = new FrameBatcher({ schedule: opts.schedule, send: (message) => this.#write(message) });
  }

  /** Queues a frame for this turn's message. */
  push(frame: Frame): void {
    this.#batcher.push(frame);
  }

  /** Sends what is queued now: a welcome or cancels still go out before a close. */
  flush(): void {
    this.#batcher.flush();
  }

  /** Drops what is queued (the socket is gone). */
  clear(): void {
    this.#batcher.clear();
  }

  sendText(text: string): void {
    this.#safely(() => this.#socket.sendText(text));
  }

  close(code: number, reason: string): void {
    this.#safely(() => this.#socket.close(code, closeReason(reason)));
  }

  /** Persists the hello and memory with the socket, where the host keeps them (hibernation). */
  remember(hello: Hello, memory: LinkMemory): void {
    const socket = this.#socket;
    if (socket.remember) this.#safely(() => socket.remember!(hello, memory));
  }

  #write(message: Uint8Array): void {
    try {
      this.#socket.send(message);
    } catch (cause) {
      // The socket died under us; tear down outside the batcher's flush.
      this.#opts.log(`send failed: ${String(cause)}`);
      this.#opts.schedule(this.#opts.sendFailed);
    }
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (cause) {
      this.#opts.log(`socket call failed: ${String(cause)}`);
    }
  }
}

// RFC 6455 §5.5.1: a close reason is at most 123 bytes of UTF-8 (ws and workerd throw beyond).
const MAX_CLOSE_REASON = 123;
const encoder = new TextEncoder();

function closeReason(reason: string): string {
  let text = reason.slice(0, MAX_CLOSE_REASON);
  while (encoder.encode(text).byteLength > MAX_CLOSE_REASON) text = text.slice(0, -1);
  return text;
}
