// A token bucket for an agent connection's control messages (heartbeats,
// stream-0 frames): a peer that floods them is closed, not answered.
import { AGENT_CONTROL_BURST, AGENT_CONTROL_PER_S } from '../defaults';

export class ControlRate {
  #tokens: number;
  #at: number;
  #perMs: number;
  #burst: number;
  #now: () => number;

  constructor(now: () => number, perSecond = AGENT_CONTROL_PER_S, burst = AGENT_CONTROL_BURST) {
    this.#now = now;
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = now();
  }

  get perSecond(): number {
    return this.#perMs * 1000;
  }

  /** Takes one message's token; false when the peer is over its rate. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
