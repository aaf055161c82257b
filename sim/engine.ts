// The continuous-batching engine: a step loop like vLLM's scheduler, where every
// running sequence advances one token per step and new ones join between steps.
import * as D from './defaults';
import { PrefixCache } from './prefix-cache';
import type { EngineFinishReason, EngineObserver, SequenceHandle, SequenceSpec } from './sequence';
import { RealStepClock, type StepClock } from './step-clock';

export type { EngineFinishReason, EngineObserver, SequenceHandle, SequenceSpec, Usage } from './sequence';

export interface EngineOptions {
  stepBaseMs?: number;
  stepPerSeqMs?: number;
  prefillPerTokenMs?: number;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  prefixCacheEntries?: number;
  clock?: StepClock;
  observer?: EngineObserver;
}

export interface EngineStats {
  steps: number;
  prefixHits: number;
  promptTokens: number;
  generationTokens: number;
  finished: Record<EngineFinishReason, number>;
}

interface Sequence extends SequenceHandle {
  spec: SequenceSpec;
  state: 'waiting' | 'running' | 'done';
  /** Prompt tokens whose KV is computed; decoding starts when it reaches promptTokens. */
  computed: number;
  generated: number;
  /** Tokens scheduled in the current step. */
  chunk: number;
  submittedAt: number;
}

// A loop that stalls (a long GC, a busy event loop) restarts from now instead
// of running a burst of back-to-back steps to catch up.
const MAX_LAG_MS = 50;

export class Engine {
  readonly stats: EngineStats = { steps: 0, prefixHits: 0, promptTokens: 0, generationTokens: 0, finished: { stop: 0, length: 0, abort: 0 } };
  readonly #opts: Required<Omit<EngineOptions, 'clock' | 'observer' | 'prefixCacheEntries'>>;
  readonly #clock: StepClock;
  readonly #observer: EngineObserver;
  readonly #cache: PrefixCache;
  #waiting: Sequence[] = [];
  #waitingHead = 0;
  #waitingCount = 0;
  #running: Sequence[] = [];
  #scheduled: Sequence[] = [];
  #active = false;
  #closed = false;
  #stepEnd = 0;
  #nextId = 1;

  constructor(opts: EngineOptions = {}) {
    this.#opts = {
      stepBaseMs: opts.stepBaseMs ?? D.STEP_BASE_MS,
      stepPerSeqMs: opts.stepPerSeqMs ?? D.STEP_PER_SEQ_MS,
      prefillPerTokenMs: opts.prefillPerTokenMs ?? D.PREFILL_PER_TOKEN_MS,
      maxNumSeqs: opts.maxNumSeqs ?? D.MAX_NUM_SEQS,
      maxNumBatchedTokens: opts.maxNumBatchedTokens ?? D.MAX_NUM_BATCHED_TOKENS,
    };
    for (const [name, v] of Object.entries(this.#opts)) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`Engine option ${name} must be a finite number ≥ 0, got ${v}`);
    }
    const { maxNumSeqs, maxNumBatchedTokens } = this.#opts;
    // vLLM refuses the same configuration: every running sequence needs one token of budget per step.
    if (maxNumSeqs < 1 || maxNumBatchedTokens < maxNumSeqs) {
      throw new RangeError(`maxNumBatchedTokens (${maxNumBatchedTokens}) must be ≥ maxNumSeqs (${maxNumSeqs}) ≥ 1`);
    }
    this.#clock = opts.clock ?? new RealStepClock();
    this.#observer = opts.observer ?? {};
    this.#cache = new PrefixCache(opts.prefixCacheEntries ?? D.PREFIX_CACHE_ENTRIES);
  }

  get running(): number {
    return this.#running.length;
  }

  get waiting(): number {
    return this.#waitingCount;
  }

  submit(spec: SequenceSpec): SequenceHandle {
    if (this.#closed) throw new Error('Engine is closed');
    const seq: Sequence = { id: this.#nextId++, spec, state: 'waiting', computed: 0, generated: 0, chunk: 0, submittedAt: this.#clock.now() };
    this.#waiting.push(seq);
    this.#waitingCount++;
    if (!this.#active) {
      // Start on the next turn, so requests arriving together share the first step.
      this.#active = true;
      this.#clock.wake(() => this.#startStep(this.#clock.now()), 0);
    }
    return seq;
  }

  /** Frees the sequence's slot at once; true if it was still waiting or running. */
  abort(handle: SequenceHandle): boolean {
    const seq = handle as Sequence;
    if (seq.state === 'done') return false;
    if (seq.state === 'waiting') this.#waitingCount--;
    else this.#running.splice(this.#running.indexOf(seq), 1);
    this.#finish(seq, 'abort');
    return true;
  }

  /** Stops the loop; sequences still in flight are dropped without callbacks. */
  close(): void {
    this.#closed = true;
    this.#clock.cancel();
    this.#active = false;
    for (const seq of [...this.#running, ...this.#waiting]) seq.state = 'done';
    this.#running = [];
    this.#waiting = [];
    this.#waitingCount = 0;
  }

  #startStep(at: number): void {
    const prefillTokens = this.#schedule();
    if (this.#scheduled.length === 0) {
      this.#active = false; // idle: no timers until the next submit
      return;
    }
    const { stepBaseMs, stepPerSeqMs, prefillPerTokenMs } = this.#opts;
    this.#stepEnd = at + stepBaseMs + stepPerSeqMs * this.#running.length + prefillPerTokenMs * prefillTokens;
    this.#clock.wake(() => this.#endStep(), this.#stepEnd - this.#clock.now());
  }

  /** vLLM v1's order: running sequences first, then waiting ones, FIFO, within the token budget. */
  #schedule(): number {
    let budget = this.#opts.maxNumBatchedTokens;
    let prefillTokens = 0;
    const scheduled: Sequence[] = [];
    const take = (seq: Sequence): void => {
      const remaining = seq.spec.promptTokens - seq.computed;
      seq.chunk = remaining > 0 ? Math.min(remaining, budget) : 1; // chunked prefill, else one decode token
      if (remaining > 0) prefillTokens += seq.chunk;
      budget -= seq.chunk;
      scheduled.push(seq);
    };
    for (const seq of this.#running) if (budget > 0) take(seq);
    while (budget > 0 && this.#running.length < this.#opts.maxNumSeqs && this.#waitingHead < this.#waiting.length) {
      const seq = this.#waiting[this.#waitingHead++];
      if (seq.state !== 'waiting') continue; // aborted while queued
      this.#waitingCount--;
      seq.state = 'running';
      if (this.#cache.hit(seq.spec.promptKey)) {
        // vLLM recomputes only the last prompt token on a full prefix-cache hit.
        seq.computed = seq.spec.promptTokens - 1;
        this.stats.prefixHits++;
      }
      this.#running.push(seq);
      take(seq);
    }
    if (this.#waitingHead > 1024 && this.#waitingHead * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#waitingHead);
      this.#waitingHead = 0;
    }
    this.#scheduled = scheduled;
    return prefillTokens;
  }

  #endStep(): void {
    this.stats.steps++;
    let promptTokens = 0;
    let generated = 0;
    let anyDone = false;
    for (const seq of this.#scheduled) {
      if (seq.state !== 'running') continue; // aborted during the step
      const { spec } = seq;
      if (seq.computed < spec.promptTokens) {
        seq.computed += seq.chunk;
        if (seq.computed < spec.promptTokens) continue; // more prefill chunks to go
        this.#cache.add(spec.promptKey);
        promptTokens += spec.promptTokens;
        this.#observer.firstToken?.((this.#clock.now() - seq.submittedAt) / 1000);
      }
      seq.generated++;
      generated++;
      let ended = false;
      try {
        const token = spec.next();
        if (token.finish === null) {
          spec.onToken(token.text);
          continue;
        }
        anyDone = ended = true;
        this.#finish(seq, token.finish);
        spec.onFinish(token.finish, { promptTokens: spec.promptTokens, completionTokens: seq.generated }, token);
      } catch {
        // A callback that throws must not stop the loop for every other sequence.
        anyDone = true;
        if (!ended) this.#finish(seq, 'abort');
      }
    }
    this.#scheduled = [];
    if (anyDone) this.#running = this.#running.filter((s) => s.state === 'running');
    this.stats.promptTokens += promptTokens;
    this.stats.generationTokens += generated;
    this.#observer.step?.(promptTokens, generated);
    if (this.#closed) return;
    const now = this.#clock.now();
    this.#startStep(now - this.#stepEnd > MAX_LAG_MS ? now : this.#stepEnd);
  }

  #finish(seq: Sequence, reason: EngineFinishReason): void {
    seq.state = 'done';
    this.stats.finished[reason]++;
    this.#observer.finished?.(reason, (this.#clock.now() - seq.submittedAt) / 1000);
  }
}
