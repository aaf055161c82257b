// The edge's side of one agent WebSocket: frames coalesced into one message per
// event-loop turn, socket calls that log a failure instead of throwing into the
// Hub, and the bound on what the socket may queue for a peer that reads slowly
// or not at all (ws's backpressure pattern: watch bufferedAmount).
import { closeReason, FrameBatcher, type Frame, type Hello } from '../../../protocol/index';
import { AGENT_DRAIN_TIMEOUT_MS, AGENT_SEND_BUFFER_MAX, AGENT_SEND_HIGH_WATER, AGENT_SEND_LOW_WATER } from '../defaults';
import type { AgentSocket, LinkMemory } from '../hub/index';

export interface LinkSocketOptions {
  schedule: (fn: () => void) => void;
  /** Logs a line about this agent (the caller says which agent). */
  log: (line: string) => void;
  /** A send threw: the socket is dead. Called in a later turn, outside the batcher's flush. */
  sendFailed: () => void;
  /** The peer does not drain what the edge queues for it: close it (1008). Called in a later turn. */
  overflow: (why: string) => void;
  /** The backlog fell below the low-water mark after being congested: paused uploads may go on. */
  drained: () => void;
  drainTimeoutMs?: number;
}

export class LinkSocket {
  #socket: AgentSocket;
  #opts: LinkSocketOptions;
  #batcher: FrameBatcher;
  #wasCongested = false;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;
  #failed = false;
  #loggedFailure = false;
  #written = () => this.#afterWrite();

  constructor(socket: AgentSocket, opts: LinkSocketOptions) {
    this.#socket = socket;
    this.#opts = opts;
    this.#batcher = new FrameBatcher({ schedule: opts.schedule, send: (message) => this.#write(message) });
  }

  /** Queues a frame for this turn's message. */
  push(frame: Frame): void {
    this.#batcher.push(frame);
  }

  /** More than the high-water mark is queued: body uploads wait for `drained`. */
  get congested(): boolean {
    const congested = this.#socket.bufferedAmount + this.#batcher.pendingBytes > AGENT_SEND_HIGH_WATER;
    if (congested) this.#congestion();
    return congested;
  }

  /** Sends what is queued now: a welcome or cancels still go out before a close. */
  flush(): void {
    this.#batcher.flush();
  }

  /** Drops what is queued (the socket is gone). */
  clear(): void {
    this.#batcher.clear();
    clearTimeout(this.#stallTimer);
    this.#failed = true;
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
    if (this.#failed) return;
    try {
      this.#socket.send(message, this.#written);
    } catch (cause) {
      // The socket died under us; tear down outside the batcher's flush. Logged once, not per message.
      this.#failOnce(`send failed: ${String(cause)}`, this.#opts.sendFailed);
      return;
    }
    const queued = this.#socket.bufferedAmount;
    if (queued > AGENT_SEND_BUFFER_MAX) {
      this.#failOnce(`${queued} bytes queued, over the ${AGENT_SEND_BUFFER_MAX}-byte cap`, () => this.#opts.overflow('agent is not reading: send buffer over its cap'));
    } else if (queued > AGENT_SEND_HIGH_WATER) {
      this.#congestion();
    }
  }

  /** Called by hosts that report writes (ws's send callback): where the backlog shrinks. */
  #afterWrite(): void {
    if (!this.#wasCongested || this.#failed) return;
    if (this.#socket.bufferedAmount >= AGENT_SEND_LOW_WATER) return;
    this.#wasCongested = false;
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    this.#opts.drained();
  }

  /** The backlog is over the high-water mark: it must get below the low-water mark within the drain timeout. */
  #congestion(): void {
    this.#wasCongested = true;
    if (this.#stallTimer !== undefined || this.#failed) return;
    const ms = this.#opts.drainTimeoutMs ?? AGENT_DRAIN_TIMEOUT_MS;
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = undefined;
      if (!this.#wasCongested) return;
      this.#failOnce(`backlog stayed over ${AGENT_SEND_HIGH_WATER} bytes for ${ms / 1000} s`, () => this.#opts.overflow(`agent is not reading: send buffer did not drain in ${ms / 1000} s`));
    }, ms);
  }

  #failOnce(line: string, then: () => void): void {
    if (this.#failed) return;
    this.#failed = true;
    if (!this.#loggedFailure) this.#opts.log(line);
    this.#loggedFailure = true;
    this.#batcher.clear();
    this.#opts.schedule(then);
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (cause) {
      if (this.#loggedFailure) return;
      this.#loggedFailure = true;
      this.#opts.log(`socket call failed: ${String(cause)}`);
    }
  }
}
