// SSE keep-alive while a streamed request waits, on both edge hosts: held in
// the queue with no agent connected, or in a long prefill, the client gets
// `: keep-alive` comments before its first token, and then exactly the content
// it would have had from vLLM directly.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child } from './support/processes';
import {
  clientFor,
  createTenant,
  hostKinds,
  MODEL,
  startAgentProcess,
  startEdgeAndSim,
  waitForModel,
  type EdgeUnderTest,
  type Tenant,
} from './support/stack';

const KEEP_ALIVE_S = 1;
const HOLD_MS = 20_000;
const COMMENT = ': keep-alive\n\n';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The response body as text, with when the head and the first `data:` arrived. */
async function readStream(url: string, apiKey: string, body: object) {
  const t0 = Date.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const headAt = Date.now() - t0;
  const decoder = new TextDecoder();
  let text = '';
  let firstDataAt: number | undefined;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    if (firstDataAt === undefined && text.includes('data:')) firstDataAt = Date.now() - t0;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, headAt, firstDataAt: firstDataAt ?? Infinity };
}

/** The parts of a completion that differ per request (id, created) made equal. */
const normalize = (sse: string) => sse.replace(/"id":"[^"]+"/g, '"id":"X"').replace(/"created":\d+/g, '"created":0');
const commentsBeforeData = (text: string) => text.slice(0, text.indexOf('data:')).split(COMMENT).length - 1;

describe.each(hostKinds)('SSE keep-alive on the %s edge', (kind) => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  let tenant: Tenant;
  let agent: Child | undefined;

  beforeAll(async () => {
    // A prompt token costs 1 ms of prefill: the long prompt below waits ~3 s for its first token.
    [edge, sim] = await startEdgeAndSim(kind, { queueTimeoutS: 60, keepAliveS: KEEP_ALIVE_S }, [
      '--prefill-per-token-ms', '1', '--max-model-len', '100000', '--max-num-batched-tokens', '100000',
    ]);
    tenant = await createTenant(edge, 'ka');
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await Promise.allSettled([edge?.close(), sim?.stop()]);
  });

  it('gives a streamed request held 20 s in the queue keep-alive comments, then its normal content', async () => {
    const body = { model: MODEL, stream: true, max_tokens: 12, ignore_eos: true, messages: [{ role: 'user', content: 'Explain quantum computing' }] };
    const raw = readStream(`${edge.url}/v1/chat/completions`, tenant.apiKey, body);
    const sdk = (async () => {
      const stream = await clientFor(edge, tenant).chat.completions.create(body as never) as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
      let content = '';
      for await (const chunk of stream) content += chunk.choices[0]?.delta?.content ?? '';
      return content;
    })();
    await sleep(HOLD_MS); // no agent connected all this time
    agent = await startAgentProcess(edge, tenant, sim.url);
    const [got, sdkContent] = await Promise.all([raw, sdk]);
    const direct = await readStream(`${sim.url}/v1/chat/completions`, 'direct', body);

    expect(got.status).toBe(200);
    expect(got.contentType).toMatch(/^text\/event-stream/);
    expect(got.headAt).toBeLessThan(HOLD_MS - 5_000); // the head came early, not when the agent did
    expect(got.firstDataAt).toBeGreaterThanOrEqual(HOLD_MS);
    // One a second for 20 s; generous for a loaded machine.
    expect(commentsBeforeData(got.text)).toBeGreaterThanOrEqual(8);
    expect(got.text.slice(got.text.indexOf('data:'))).not.toContain(COMMENT);
    expect(normalize(got.text.replaceAll(COMMENT, ''))).toBe(normalize(direct.text));
    const directContent = [...direct.text.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join('');
    expect(sdkContent).toBe(directContent);
  }, 90_000);

  it('gives a streamed request in a long prefill keep-alive comments before its first token', async () => {
    await waitForModel(edge, tenant);
    const prompt = Array.from({ length: 3000 }, (_, i) => `w${i % 97}`).join(' ');
    const body = { model: MODEL, stream: true, max_tokens: 5, ignore_eos: true, messages: [{ role: 'user', content: prompt }] };
    const got = await readStream(`${edge.url}/v1/chat/completions`, tenant.apiKey, body);
    expect(got.status).toBe(200);
    expect(got.firstDataAt, 'the simulator did not make the prefill long').toBeGreaterThan(2_000);
    expect(commentsBeforeData(got.text)).toBeGreaterThanOrEqual(1);
    // The rest is the stream as vLLM sends it: events only, ending with [DONE].
    const events = got.text.slice(got.text.indexOf('data:')).split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
  }, 60_000);
});
