// The model-based hostile agent, a smaller run on real processes: a raw `ws`
// agent with a valid token answers each request with a random hostile frame
// sequence; its client always gets an answer (a status, never a hang), and
// another tenant's answers through a real agent stay identical to going direct.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlFrame, FrameType, type Frame } from '../protocol/index';
import { bounded, RogueAgent } from './support/rogue-agent';
import { type Child } from './support/processes';
import { clientFor, createTenant, directClient, hostKinds, MODEL, startAgentProcess, startEdgeAndSim, waitForModel, type EdgeUnderTest, type Tenant } from './support/stack';

const encoder = new TextEncoder();
type Step = 'respond' | 'data' | 'end' | 'secondResponse' | 'oversizedHead' | 'malformed' | 'windowOverflow' | 'unknownStream' | 'pingFlood' | 'text' | 'hugeHello' | 'error';
const stepArb = fc.constantFrom<Step>('respond', 'data', 'end', 'secondResponse', 'oversizedHead', 'malformed', 'windowOverflow', 'unknownStream', 'pingFlood', 'text', 'hugeHello', 'error');

function framesFor(step: Step, s: number): Frame[] | string {
  switch (step) {
    case 'respond':
      return [controlFrame('response', s, { status: 200, headers: { 'content-type': 'application/json' } })];
    case 'data':
      return [{ type: FrameType.data, stream: s, payload: encoder.encode('{"ok":true}') }];
    case 'end':
      return [controlFrame('end', s, { usage: { prompt_tokens: 1e15, completion_tokens: 1e15 } })];
    case 'secondResponse':
      return [controlFrame('response', s, { status: 200, headers: {} }), controlFrame('response', s, { status: 200, headers: {} })];
    case 'oversizedHead':
      return [controlFrame('response', s, { status: 200, headers: { 'x-big': 'b'.repeat(20 * 1024) } })];
    case 'malformed':
      return [{ type: FrameType.response, stream: s, payload: encoder.encode('{"status":') }];
    case 'windowOverflow':
      return [controlFrame('response', s, { status: 200, headers: {} }), { type: FrameType.data, stream: s, payload: new Uint8Array(256 * 1024 + 1) }];
    case 'unknownStream':
      return [controlFrame('end', 0x7fff_0000, {})];
    case 'pingFlood':
      return Array.from({ length: 300 }, (_, t) => controlFrame('ping', 0, { t }));
    case 'text':
      return 'not a heartbeat';
    case 'hugeHello':
      return [controlFrame('hello', 0, { protocol: [1], agentId: 'hostile', models: Array.from({ length: 100_000 }, (_, i) => `m${i}`), maxInflight: 8 })];
    case 'error':
      return [controlFrame('error', s, { code: 'hostile', message: 'no', status: 502, retry: true })];
  }
}

describe.each(hostKinds)('a hostile agent on real processes (%s edge)', (kind) => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  let honest: Tenant;
  let hostile: Tenant;
  let agent: Child;

  beforeAll(async () => {
    [edge, sim] = await startEdgeAndSim(kind, { queueTimeoutS: 2 }, ['--step-base-ms', '1', '--step-per-seq-ms', '0']);
    [honest, hostile] = await Promise.all([createTenant(edge, 'honest'), createTenant(edge, 'hostile')]);
    agent = await startAgentProcess(edge, honest, sim.url);
    await waitForModel(edge, honest);
  }, 120_000);

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await sim?.stop();
    await edge?.close();
  }, 60_000);

  it('always answers the hostile agent\'s client, and the other tenant gets what going direct gives', async () => {
    const ask = { model: MODEL, max_tokens: 8, messages: [{ role: 'user' as const, content: 'same as direct' }] };
    const expected = (await directClient(sim.url).chat.completions.create(ask)).choices[0].message.content;
    const client = clientFor(edge, honest);
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 5 }), async (steps) => {
        const rogue = await RogueAgent.connect(edge, hostile, { agentId: 'hostile', maxInflight: 8 });
        try {
          rogue.handler = (req, a) => {
            for (const step of steps) {
              const out = framesFor(step, req.stream);
              if (typeof out === 'string') a.ws.send(out);
              else a.send(...out);
            }
            // A head without an end would hold the client as a slow agent may: the agent then vanishes.
            setTimeout(() => a.close(), 500);
          };
          const hostileCall = fetch(`${edge.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${hostile.apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify(ask),
          }).then(async (r) => ({ status: r.status, body: await r.text().catch(() => '') }), (e: unknown) => ({ status: 0, body: String(e) }));
          const [answer, mine] = await Promise.all([bounded(hostileCall, 'the hostile agent\'s client to be answered'), bounded(client.chat.completions.create(ask), 'the honest tenant')]);
          expect(answer.status).toBeGreaterThanOrEqual(200);
          expect(mine.choices[0].message.content).toBe(expected);
        } finally {
          rogue.close();
        }
      }),
      { numRuns: 8 },
    );
  }, 120_000);
});
