// ws-level liveness for agent sockets (ws README, "How to detect and close broken
// connections"): ping every interval, terminate() a socket that missed too many pongs.
// Only a pong that echoes the edge's own ping counts: each ping carries a fresh
// random nonce, so unsolicited pongs from a peer that stopped reading keep nothing alive.
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';

interface Watched {
  missed: number;
  /** Payload of the ping awaiting its pong; undefined when none is outstanding. */
  nonce: Buffer | undefined;
}

export class Heartbeat {
  readonly #watched = new Map<WebSocket, Watched>();
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #maxMissed: number;

  constructor(intervalMs: number, maxMissed: number) {
    this.#maxMissed = maxMissed;
    this.#timer = setInterval(() => this.#beat(), intervalMs);
    this.#timer.unref();
  }

  watch(ws: WebSocket): void {
    const state: Watched = { missed: 0, nonce: undefined };
    this.#watched.set(ws, state);
    ws.on('pong', (data: Buffer) => {
      if (!state.nonce || !data.equals(state.nonce)) return;
      state.nonce = undefined;
      state.missed = 0;
    });
    ws.on('close', () => this.#watched.delete(ws));
  }

  /** Sockets being watched (open ones). */
  get size(): number {
    return this.#watched.size;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#watched.clear();
  }

  #beat(): void {
    for (const [ws, state] of this.#watched) {
      if (state.missed >= this.#maxMissed) {
        this.#watched.delete(ws);
        ws.terminate();
        continue;
      }
      state.missed++;
      state.nonce = randomBytes(8);
      try {
        ws.ping(state.nonce);
      } catch {
        // ping() throws only before OPEN; the next beat counts it as missed.
      }
    }
  }
}
