// Model-based: a peer with a valid token plays random valid-but-hostile frame
// sequences against the edge core (Hub + AgentLink, fake sockets, in process).
// Whatever it does, it loses only its own streams or its own link, with a
// reason; honest streams of its tenant and of another tenant get exactly the
// bytes their agent sent, and the edge holds no more than its bounds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloseCode, controlFrame, encodeFrames, FrameType, type Frame, type Usage } from '../protocol/index';
import { HttpError } from '../edge/core/errors';
import { FakeAgent, testHubOptions, testRequest } from './support/fake-agent';
import { Hub } from '../edge/core/hub/index';

const encoder = new TextEncoder();
const HONEST_REPLY = ['data: {"a":1}\n\n', 'data: {"b":2}\n\n', 'data: [DONE]\n\n'];

/** What the hostile agent may do next; `at` picks one of the streams it was given. */
type Action =
  | { kind: 'unknownStream' }
  | { kind: 'respond'; at: number }
  | { kind: 'data'; at: number; bytes: number }
  | { kind: 'end'; at: number; usage?: Usage }
  | { kind: 'secondResponse'; at: number }
  | { kind: 'windowOverflow'; at: number }
  | { kind: 'oversizedHead'; at: number }
  | { kind: 'malformed'; at: number; type: 'response' | 'end' | 'window' | 'error' }
  | { kind: 'error'; at: number; retry: boolean }
  | { kind: 'hugeHello' }
  | { kind: 'otherTenantModel' }
  | { kind: 'pingFlood' }
  | { kind: 'text' }
  | { kind: 'badStatus'; at: number }
  | { kind: 'newRequest' };

const at = fc.nat({ max: 7 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'unknownStream' as const }) },
  { weight: 4, arbitrary: at.map((i) => ({ kind: 'respond' as const, at: i })) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('data' as const), at, bytes: fc.integer({ min: 0, max: 4096 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('end' as const),
      at,
      usage: fc.option(fc.record({ prompt_tokens: fc.nat({ max: Number.MAX_SAFE_INTEGER }), completion_tokens: fc.nat({ max: Number.MAX_SAFE_INTEGER }) }), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: at.map((i) => ({ kind: 'secondResponse' as const, at: i })) },
  { weight: 1, arbitrary: at.map((i) => ({ kind: 'windowOverflow' as const, at: i })) },
  { weight: 2, arbitrary: at.map((i) => ({ kind: 'oversizedHead' as const, at: i })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('malformed' as const), at, type: fc.constantFrom('response' as const, 'end' as const, 'window' as const, 'error' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('error' as const), at, retry: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'hugeHello' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'otherTenantModel' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'pingFlood' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'text' as const }) },
  { weight: 1, arbitrary: at.map((i) => ({ kind: 'badStatus' as const, at: i })) },
  { weight: 3, arbitrary: fc.constant({ kind: 'newRequest' as const }) },
);

/** Close codes a hostile link may end with, each for a reason the edge names. */
const LINK_CODES: number[] = [CloseCode.protocolError, CloseCode.unsupportedData, CloseCode.policyViolation, CloseCode.tooBig];

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

interface Outcome {
  status?: number;
  body?: string;
  error?: unknown;
}

async function settle(p: Promise<Response>): Promise<Outcome> {
  try {
    const res = await p;
    try {
      return { status: res.status, body: await res.text() };
    } catch (error) {
      return { status: res.status, error };
    }
  } catch (error) {
    return { error };
  }
}

/** One run: tenant A has an honest agent (model m) and the hostile one (model h); tenant B has an honest agent. */
async function play(actions: Action[]): Promise<void> {
  const hubA = new Hub(testHubOptions({ tenant: 'a', queueTimeoutMs: 20, headTimeoutMs: 2_000, schedule: queueMicrotask }));
  const hubB = new Hub(testHubOptions({ tenant: 'b', queueTimeoutMs: 20, schedule: queueMicrotask }));
  const honestA = await new FakeAgent('honest-a').answering(() => ({ headers: { 'content-type': 'text/event-stream' }, chunks: HONEST_REPLY })).join(hubA, { models: ['m'], maxInflight: 256 });
  const honestB = await new FakeAgent('honest-b').answering(() => ({ headers: { 'content-type': 'text/event-stream' }, chunks: HONEST_REPLY })).join(hubB, { models: ['b-model'], maxInflight: 256 });
  const hostile = await new FakeAgent('hostile').join(hubA, { models: ['h'], maxInflight: 64 });

  const honest: Promise<Outcome>[] = [];
  const hostileCalls: Promise<Outcome>[] = [];
  const usages: { usage: Usage; sent: number }[] = [];
  const ask = (hub: Hub, model: string) => hub.relay(testRequest({ model, requestId: `${model}-${honest.length + hostileCalls.length}` }));
  const askHostile = () => {
    const req = testRequest({ model: 'h' });
    const sent = req.body.byteLength;
    hostileCalls.push(settle(hubA.relay({ ...req, events: { usage: (usage: Usage) => usages.push({ usage, sent }) } })));
  };
  askHostile();
  askHostile();

  const streams = () => hostile.sent('request').map((f) => f.stream);
  const pick = (i: number) => {
    const ids = streams();
    return ids.length ? ids[i % ids.length] : 1;
  };
  const relayedOn = new Map<number, number>();

  for (const action of actions) {
    if (hostile.closedWith) break;
    honest.push(settle(ask(hubA, 'm')), settle(ask(hubB, 'b-model')));
    const s = 'at' in action ? pick(action.at) : 0;
    switch (action.kind) {
      case 'unknownStream':
        hostile.send(controlFrame('end', 0x7fff_0000, {}));
        break;
      case 'respond':
        hostile.respond(s);
        break;
      case 'data':
        relayedOn.set(s, (relayedOn.get(s) ?? 0) + action.bytes);
        hostile.data(s, new Uint8Array(action.bytes).fill(0x61));
        break;
      case 'end':
        hostile.control('end', s, action.usage ? { usage: action.usage } : {});
        break;
      case 'secondResponse':
        hostile.respond(s);
        hostile.respond(s);
        break;
      case 'windowOverflow':
        hostile.respond(s);
        hostile.send({ type: FrameType.data, stream: s, payload: new Uint8Array(256 * 1024 + 1) });
        break;
      case 'oversizedHead':
        hostile.respond(s, { 'content-type': 'text/plain', 'x-big': 'b'.repeat(20 * 1024) });
        break;
      case 'malformed':
        hostile.send({ type: FrameType[action.type], stream: s, payload: encoder.encode('{"status": "nope"') });
        break;
      case 'error':
        hostile.control('error', s, { code: 'hostile', message: 'no', status: 502, ...(action.retry ? { retry: true } : {}) });
        break;
      case 'hugeHello':
        hostile.send(controlFrame('hello', 0, { protocol: [1], agentId: 'hostile', models: Array.from({ length: 100_000 }, (_, i) => `m${i}`), maxInflight: 64 }));
        break;
      case 'otherTenantModel':
        hostile.hello({ models: ['h', 'b-model'], maxInflight: 64 });
        break;
      case 'pingFlood': {
        const pings: Frame[] = Array.from({ length: 500 }, (_, t) => controlFrame('ping', 0, { t }));
        hostile.conn.message(encodeFrames(pings));
        break;
      }
      case 'text':
        hostile.conn.message('not a heartbeat');
        break;
      case 'badStatus':
        hostile.respond(s, {}, 101);
        break;
      case 'newRequest':
        askHostile();
        break;
    }
    await tick();
  }

  // The honest agents' streams are byte-identical to what their agents sent, whatever happened meanwhile.
  for (const outcome of await Promise.all(honest)) {
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe(200);
    expect(outcome.body).toBe(HONEST_REPLY.join(''));
  }
  // Tenant B never saw the hostile agent: its only agent is its own.
  expect(hubB.agents().map((a) => a.agentId)).toEqual(['honest-b']);
  expect(hubB.models()).toEqual(['b-model']);

  // A closed link says why, with a code of the protocol.
  if (hostile.closedWith) {
    expect(LINK_CODES).toContain(hostile.closedWith.code);
    expect(hostile.closedWith.reason.length).toBeGreaterThan(0);
  }
  // What the edge holds for the hostile agent's streams stays within one window each.
  for (const info of hubA.streams()) expect(info.bufferedBytes).toBeLessThanOrEqual(256 * 1024);

  // The agent goes away: every one of its requests settles (an answer, or an error with a status).
  if (!hostile.closedWith) hostile.drop();
  for (const p of hostileCalls) {
    const outcome = await p;
    if (outcome.error !== undefined && outcome.status === undefined) expect(outcome.error).toBeInstanceOf(HttpError);
  }
  // Reported usage is bounded by what each stream could have produced.
  for (const { usage, sent } of usages) {
    expect(usage.prompt_tokens).toBeLessThanOrEqual(sent + 32_768);
    expect(usage.completion_tokens).toBeLessThanOrEqual(4096 * actions.length);
  }
  expect(hubA.streams().filter((s) => s.agentId === 'hostile')).toEqual([]);
  hubA.close();
  hubB.close();
  void honestA;
  void honestB;
}

describe('a hostile agent with a valid token', () => {
  it('loses only its own streams or link, with a reason, over a few hundred random frame sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 12 }), (actions) => play(actions)),
      { numRuns: 300 },
    );
  }, 120_000);

  // Fixed cases: each kind of hostility alone, so a regression names itself.
  it.each<[string, Action[]]>([
    ['data after end', [{ kind: 'respond', at: 0 }, { kind: 'end', at: 0 }, { kind: 'data', at: 0, bytes: 10 }]],
    ['a second response', [{ kind: 'secondResponse', at: 0 }]],
    ['window overflow', [{ kind: 'windowOverflow', at: 1 }]],
    ['an oversized head', [{ kind: 'oversizedHead', at: 0 }]],
    ['a malformed head', [{ kind: 'malformed', at: 0, type: 'response' }]],
    ['100,000 models in hello', [{ kind: 'hugeHello' }]],
    ['another tenant\'s model', [{ kind: 'otherTenantModel' }, { kind: 'newRequest' }]],
    ['a ping flood', [{ kind: 'pingFlood' }]],
    ['an unknown stream id', [{ kind: 'unknownStream' }]],
    ['a retryable error with no other agent', [{ kind: 'error', at: 0, retry: true }]],
    ['usage far beyond what was relayed', [{ kind: 'respond', at: 0 }, { kind: 'data', at: 0, bytes: 3 }, { kind: 'end', at: 0, usage: { prompt_tokens: Number.MAX_SAFE_INTEGER, completion_tokens: Number.MAX_SAFE_INTEGER } }]],
  ])('survives %s', async (_name, actions) => {
    await play(actions);
  });
});
