// Which models agents offered lately: a request for a model that an agent served a
// moment ago waits for it to come back instead of getting 404 at once.
import { MODEL_MEMORY_MS } from '../defaults';

// Agents name their models; this bounds what churning advertisements can make the Hub hold.
const MAX_REMEMBERED_MODELS = 4096;

export class ModelMemory {
  /** When each model was last offered by an agent that since left or dropped it. */
  #lastServed = new Map<string, number>();
  #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Remembers models that just stopped being offered; forgets ones past MODEL_MEMORY_MS. */
  note(models: readonly string[]): void {
    const now = this.#now();
    for (const model of models) this.#lastServed.set(model, now);
    if (this.#lastServed.size > MAX_REMEMBERED_MODELS) {
      for (const [model, at] of this.#lastServed) if (now - at >= MODEL_MEMORY_MS) this.#lastServed.delete(model);
    }
  }

  /** An agent offered the model within MODEL_MEMORY_MS. */
  recent(model: string): boolean {
    const last = this.#lastServed.get(model);
    return last !== undefined && this.#now() - last < MODEL_MEMORY_MS;
  }
}
