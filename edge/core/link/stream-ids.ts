// Stream ids of one agent connection: 1, 2, 3…, never reused (protocol/README.md),
// reserved in blocks that the host persists, so a Durable Object restored from
// hibernation carries on past every id it ever used.
import { STREAM_ID_BLOCK } from '../defaults';

const MAX_STREAM_ID = 0xffff_ffff;

export class StreamIds {
  #next: number;
  #reservedTo: number;

  /** `from`: LinkMemory.nextStream of a restored socket, else 1. */
  constructor(from = 1) {
    this.#next = this.#reservedTo = Math.max(1, Math.min(from, MAX_STREAM_ID + 1));
  }

  /** Ids below this may have been used: what the host must persist. */
  get reservedTo(): number {
    return this.#reservedTo;
  }

  /** The u32 id space is spent: the connection must be replaced. */
  get exhausted(): boolean {
    return this.#next > MAX_STREAM_ID;
  }

  /** The next id, and whether the reservation grew (persist `reservedTo` before using it). */
  allocate(): [id: number, grew: boolean] {
    const id = this.#next++;
    if (id < this.#reservedTo) return [id, false];
    this.#reservedTo = Math.min(MAX_STREAM_ID + 1, id + STREAM_ID_BLOCK);
    return [id, true];
  }

  /** The id was handed out on this connection (so a frame for it is late, not bogus). */
  used(id: number): boolean {
    return id > 0 && id < this.#next;
  }
}
