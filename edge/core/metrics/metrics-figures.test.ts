import { describe, expect, it } from 'vitest';
import { FIGURES_BUCKET_MS, FIGURES_BUCKETS, FIGURES_RECENT_ERRORS } from '../defaults';
import type { RequestRecord } from './metrics';
import { countFrames } from './metrics';
import { TenantFigures } from './metrics-figures';
import { encodeFrames, FrameType } from '../../../protocol/index';

const record = (over: Partial<RequestRecord> = {}): RequestRecord => ({
  tenant: 't', requestId: 'req_1', keyId: 'key_1', method: 'POST', route: '/v1/chat/completions', model: 'm',
  status: 200, promptTokens: 3, completionTokens: 5, ttftSeconds: 0.1, durationSeconds: 0.5, endedAt: 0, ...over,
});

describe('TenantFigures', () => {
  it('sums requests, tokens and timings, and keeps in-flight at the started minus the finished', () => {
    let now = 1_000_000;
    const f = new TenantFigures('t', () => now);
    f.requestStarted();
    f.requestStarted();
    f.requestFinished(record({ endedAt: now }));
    const json = f.toJSON();
    expect(json.requests).toEqual({ total: 1, byStatus: { '200': 1 }, byRoute: { '/v1/chat/completions': 1 }, inFlight: 1 });
    expect(json.tokens).toEqual({ prompt: 3, completion: 5 });
    expect(json.ttft).toEqual({ count: 1, secondsSum: 0.1 });
  });

  it('puts each request in the bucket of when it ended and forgets buckets older than the window', () => {
    let now = 10 * FIGURES_BUCKET_MS * FIGURES_BUCKETS;
    const f = new TenantFigures('t', () => now);
    f.requestFinished(record({ endedAt: now, completionTokens: 7 }));
    let s = f.toJSON().series;
    expect(s.t).toHaveLength(FIGURES_BUCKETS);
    expect(s.tokens.at(-1)).toBe(7);
    expect(s.requests.at(-1)).toBe(1);
    now += FIGURES_BUCKET_MS;
    s = f.toJSON().series;
    expect(s.tokens.at(-2)).toBe(7);
    now += FIGURES_BUCKET_MS * FIGURES_BUCKETS;
    expect(f.toJSON().series.tokens.every((v) => v === 0)).toBe(true);
  });

  it('lists the latest errors first, at most a screenful, and counts reconnects of a known agent id', () => {
    const f = new TenantFigures('t');
    for (let i = 0; i < FIGURES_RECENT_ERRORS + 5; i++) f.requestFinished(record({ status: 503, errorCode: 'no_agent', requestId: `req_${i}` }));
    const errors = f.toJSON().errors;
    expect(errors.total).toBe(FIGURES_RECENT_ERRORS + 5);
    expect(errors.byCode).toEqual({ no_agent: FIGURES_RECENT_ERRORS + 5 });
    expect(errors.recent).toHaveLength(FIGURES_RECENT_ERRORS);
    expect(errors.recent[0].requestId).toBe(`req_${FIGURES_RECENT_ERRORS + 4}`);
    f.agentConnected('a');
    f.agentConnected('b');
    f.agentConnected('a');
    expect(f.toJSON().agents).toEqual({ connections: 3, reconnects: 1, disconnections: 0 });
  });
});

describe('countFrames', () => {
  it('counts the frames of one coalesced WebSocket message', () => {
    const frame = (stream: number, bytes: number) => ({ type: FrameType.data, stream, payload: new Uint8Array(bytes) });
    expect(countFrames(encodeFrames([frame(1, 0), frame(2, 300), frame(3, 70_000)]))).toBe(3);
    expect(countFrames(new Uint8Array(0))).toBe(0);
  });
});

describe('routeLabel', () => {
  it('keeps known routes, folds model ids, and calls every other path `other`', async () => {
    const { routeLabel } = await import('./metrics');
    expect(routeLabel('/v1/chat/completions')).toBe('/v1/chat/completions');
    expect(routeLabel('/v1/models/facebook/opt-125m')).toBe('/v1/models/:model');
    expect(routeLabel('/v1/made-up-1234')).toBe('other');
  });
});
