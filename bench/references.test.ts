// The pipes reference with real processes: two bare relay children in front of
// the simulator, driven by the openai SDK like any client of the bridge.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../sim/server';
import { startReferences, type References } from './references';
import type { BenchContext } from './workloads/context';

let sim: SimServer;
let refs: References;
const notes: string[] = [];

beforeAll(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, stepBaseMs: 2, stepPerSeqMs: 0 });
  const ctx = { logDir: mkdtempSync(join(tmpdir(), 'refs-test-')), notes } as unknown as BenchContext;
  refs = await startReferences(ctx, sim.url, { name: 'sim', read: async () => ({ cpuUs: 0 }) }, 'test');
}, 60_000);

afterAll(async () => {
  for (const c of [...(refs?.closers ?? [])].reverse()) await c.close();
  await sim?.close();
});

const client = (name: string) => {
  const t = refs.targets.find((x) => x.name === name);
  if (!t) throw new Error(`no ${name} target`);
  return new OpenAI({ baseURL: `${t.url}/v1`, apiKey: 'unused', maxRetries: 0 });
};

const streamed = async (c: OpenAI) => {
  const stream = await c.chat.completions.create({
    model: 'facebook/opt-125m', messages: [{ role: 'user', content: 'Explain quantum computing in simple terms' }],
    max_tokens: 12, stream: true, ignore_eos: true, seed: 7,
  } as OpenAI.ChatCompletionCreateParamsStreaming);
  let text = '';
  let finish: string | null = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  return { text, finish };
};

describe('bench references', () => {
  it('relay a streamed completion through two bare pipes unchanged, with CPU probes in the edge and agent columns', async () => {
    const direct = await streamed(new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'unused', maxRetries: 0 }));
    const piped = await streamed(client('pipes'));
    expect(piped.finish).toBe('length');
    expect(piped.text).toBe(direct.text);
    expect(piped.text.length).toBeGreaterThan(0);
    const probes = refs.targets.find((t) => t.name === 'pipes')!.probes!.map((p) => p.name);
    expect(probes).toEqual(['sim', 'edge', 'agent']);
    for (const p of refs.targets.find((t) => t.name === 'pipes')!.probes!.slice(1)) expect((await p.read()).cpuUs).toBeGreaterThan(0);
  });

  it('close the upstream connection when a client leaves mid-stream, so the simulator aborts the sequence', async () => {
    const aborted = sim.engine.stats.finished.abort;
    const controller = new AbortController();
    const stream = await client('pipes').chat.completions.create(
      { model: 'facebook/opt-125m', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2000, stream: true, ignore_eos: true } as OpenAI.ChatCompletionCreateParamsStreaming,
      { signal: controller.signal },
    );
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    controller.abort();
    for (let i = 0; i < 100 && sim.engine.stats.finished.abort === aborted; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sim.engine.stats.finished.abort).toBe(aborted + 1);
  });

  it('add nginx where it is installed, and say so in a note where it is not', async () => {
    const nginx = refs.targets.find((t) => t.name === 'nginx');
    if (refs.nginx.startsWith('skipped')) {
      expect(nginx).toBeUndefined();
      expect(notes.join('\n')).toContain('nginx');
    } else {
      expect((await streamed(client('nginx'))).finish).toBe('length');
    }
  });
});
