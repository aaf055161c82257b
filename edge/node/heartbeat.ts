// ws-level liveness for agent sockets (ws README, "How to detect and close broken
// connections"): ping every interval, terminate() a socket that missed too many pongs.
import type { WebSocket } from 'ws';

export class Heartbeat {
  readonly #missed = new Map<WebSocket, number>();
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #maxMissed: number;

  constructor(intervalMs: number, maxMissed: number) {
    this.#maxMissed = maxMissed;
    this.#timer = setInterval(() => this.#beat(), intervalMs);
    this.#timer.unref();
  }

  watch(ws: WebSocket): void {
    this.#missed.set(ws, 0);
    ws.on('pong', () => {
      if (this.#missed.has(ws)) this.#missed.set(ws, 0);
    });
    ws.on('close', () => this.#missed.delete(ws));
  }

  /** Sockets being watched (open ones). */
  get size(): number {
    return this.#missed.size;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#missed.clear();
  }

  #beat(): void {
    for (const [ws, missed] of this.#missed) {
      if (missed >= this.#maxMissed) {
        this.#missed.delete(ws);
        ws.terminate();
        continue;
      }
      this.#missed.set(ws, missed + 1);
      try {
        ws.ping();
      } catch {
        // ping() throws only before OPEN; the next beat counts it as missed.
      }
    }
  }
}
