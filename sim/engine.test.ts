import { describe, expect, it } from 'vitest';
import { Engine, type EngineOptions, type SequenceSpec, type Usage } from './engine';
import { ManualStepClock } from './step-clock';
import { TokenStream, type FinishReason } from './tokens';

interface Recorded {
  spec: SequenceSpec;
  tokens: string[];
  /** Engine step count at which the first token and the finish arrived. */
  firstAt?: number;
  finishedAt?: number;
  finish?: { reason: FinishReason; usage: Usage };
}

function setup(opts: EngineOptions = {}) {
  const clock = new ManualStepClock();
  const engine = new Engine({ stepBaseMs: 4, stepPerSeqMs: 0, prefillPerTokenMs: 0, ...opts, clock });
  const order: number[] = [];
  const submit = (maxTokens: number, promptTokens = 8, promptKey: string | number = Math.random()) => {
    const tokens = new TokenStream({ model: 'm', prompt: String(promptKey), maxTokens, ignoreEos: true });
    const rec: Recorded = { tokens: [] } as unknown as Recorded;
    const seen = () => rec.firstAt ?? (rec.firstAt = engine.stats.steps);
    rec.spec = {
      promptTokens,
      promptKey,
      next: () => tokens.next(),
      onToken: (text) => {
        seen();
        rec.tokens.push(text);
      },
      onFinish: (reason, usage, last) => {
        seen();
        rec.tokens.push(last.text);
        rec.finish = { reason, usage };
        rec.finishedAt = engine.stats.steps;
        order.push(handle.id);
      },
    };
    const handle = engine.submit(rec.spec);
    return { rec, handle };
  };
  return { clock, engine, submit, order };
}

describe('Engine', () => {
  it('finishes 50 concurrent sequences of 50 tokens in 50 steps, not 2,500', () => {
    const { clock, engine, submit } = setup();
    const seqs = Array.from({ length: 50 }, () => submit(50));
    clock.runUntilIdle();
    expect(engine.stats.steps).toBe(50);
    for (const { rec } of seqs) {
      expect(rec.tokens).toHaveLength(50);
      expect(rec.finish).toEqual({ reason: 'length', usage: { promptTokens: 8, completionTokens: 50 } });
    }
  });

  it('makes sequences beyond maxNumSeqs wait and admits them first in, first out', () => {
    const { clock, engine, submit, order } = setup({ maxNumSeqs: 2 });
    const ids = [submit(10), submit(10), submit(10), submit(10)].map((s) => s.handle.id);
    expect(engine.waiting).toBe(4);
    clock.tick(); // the first step is planned on the next turn
    expect([engine.running, engine.waiting]).toEqual([2, 2]);
    clock.runUntilIdle();
    expect(engine.stats.steps).toBe(20);
    expect(order).toEqual(ids);
  });

  it('spreads a long prompt over several steps under maxNumBatchedTokens (chunked prefill)', () => {
    const { clock, engine, submit } = setup({ maxNumSeqs: 4, maxNumBatchedTokens: 256 });
    const { rec } = submit(10, 1000, 'long');
    clock.runUntilIdle();
    // ceil(1000 / 256) = 4 prefill steps, the last of which samples the first token.
    expect(rec.firstAt).toBe(4);
    expect(engine.stats.steps).toBe(4 + 9);
  });

  it('lets decoding sequences keep their token while a long prompt prefills beside them', () => {
    const { clock, submit } = setup({ maxNumSeqs: 4, maxNumBatchedTokens: 256 });
    const early = submit(20);
    clock.tick();
    const late = submit(5, 1024, 'long');
    clock.runUntilIdle();
    expect(early.rec.finishedAt).toBe(20);
    // Admitted at step 2 with 255 tokens of budget a step (one goes to the decode): 5 prefill steps, not 4.
    expect(late.rec.firstAt).toBe(6);
  });

  it('skips the prefill of a prompt it has seen before (prefix cache)', () => {
    const { clock, engine, submit } = setup({ maxNumSeqs: 4, maxNumBatchedTokens: 256 });
    submit(10, 1000, 'same');
    clock.runUntilIdle();
    const steps = engine.stats.steps;
    const { rec } = submit(10, 1000, 'same');
    clock.runUntilIdle();
    expect(engine.stats.steps - steps).toBe(10);
    expect(rec.firstAt).toBe(steps + 1);
    expect(engine.stats.prefixHits).toBe(1);
  });

  it('takes base + perSeq × running + prefill × tokens per step on its clock', () => {
    const { clock, submit } = setup({ stepBaseMs: 4, stepPerSeqMs: 0.5, prefillPerTokenMs: 0.01 });
    submit(10, 100);
    submit(10, 100);
    clock.runUntilIdle();
    // Step 1 prefills 200 tokens; all ten steps run two sequences.
    expect(clock.now()).toBeCloseTo(10 * (4 + 2 * 0.5) + 200 * 0.01, 9);
  });

  it('frees the slot at once when a running sequence is aborted, and counts it as abort', () => {
    const { clock, engine, submit } = setup({ maxNumSeqs: 1 });
    const a = submit(100);
    const b = submit(5);
    for (let i = 0; i < 4; i++) clock.tick();
    expect(engine.abort(a.handle)).toBe(true);
    expect([engine.running, engine.waiting]).toEqual([0, 1]);
    expect(engine.stats.finished.abort).toBe(1);
    clock.runUntilIdle();
    expect(a.rec.finish).toBeUndefined();
    expect(a.rec.tokens).toHaveLength(3);
    expect(b.rec.finish?.reason).toBe('length');
    expect(engine.abort(a.handle)).toBe(false);
  });

  it('drops an aborted sequence from the waiting queue', () => {
    const { clock, engine, submit } = setup({ maxNumSeqs: 1 });
    submit(3);
    const queued = submit(3);
    engine.abort(queued.handle);
    expect(engine.waiting).toBe(1);
    clock.runUntilIdle();
    expect(queued.rec.tokens).toHaveLength(0);
    expect(engine.stats.steps).toBe(3);
  });

  it('idles without any pending wake-up when nothing is left, and wakes on the next submit', () => {
    const { clock, engine, submit } = setup();
    submit(3);
    clock.runUntilIdle();
    expect(clock.tick()).toBe(false);
    submit(3);
    expect(clock.runUntilIdle()).toBeGreaterThan(0);
    expect(engine.stats.steps).toBe(6);
  });

  it('keeps stepping with zero step costs (the relay stress mode)', () => {
    const { clock, engine, submit } = setup({ stepBaseMs: 0, stepPerSeqMs: 0, prefillPerTokenMs: 0 });
    submit(50);
    clock.runUntilIdle();
    expect(engine.stats.steps).toBe(50);
    expect(clock.now()).toBe(0);
  });

  it('keeps serving other sequences when one callback throws', () => {
    const { clock, engine, submit } = setup();
    const bad = submit(10);
    bad.rec.spec.onToken = () => {
      throw new Error('boom');
    };
    const good = submit(10);
    clock.runUntilIdle();
    expect(good.rec.finish?.reason).toBe('length');
    expect(engine.stats.finished.abort).toBe(1);
  });

  it('reports prompt and generated tokens to its observer once per step', () => {
    const calls: [number, number][] = [];
    const { clock, submit } = setup({ observer: { step: (p, g) => calls.push([p, g]) } });
    submit(3, 8);
    submit(3, 12);
    clock.runUntilIdle();
    expect(calls).toEqual([[20, 2], [0, 2], [0, 2]]);
  });

  it('refuses a token budget smaller than maxNumSeqs, as vLLM does', () => {
    expect(() => new Engine({ maxNumSeqs: 256, maxNumBatchedTokens: 100 })).toThrow(/maxNumBatchedTokens/);
  });
});
