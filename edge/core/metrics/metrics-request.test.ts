import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors';
import type { LogFields } from '../log';
import type { EdgeMetrics, RequestRecord } from './metrics';
import { RequestObservation } from './metrics-request';

function harness() {
  const finished: RequestRecord[] = [];
  let started = 0;
  const lines: LogFields[] = [];
  const metrics: EdgeMetrics = {
    requestStarted: () => void started++,
    requestFinished: (r) => void finished.push({ ...r }),
    queueWait: () => {},
    agentConnected: () => {},
    agentDisconnected: () => {},
    tunnel: () => {},
  };
  const logger = { info: (f: LogFields) => void lines.push(f), warn: () => {}, error: (f: LogFields) => void lines.push(f) };
  let now = 1000;
  const obs = new RequestObservation({ metrics, logger, now: () => now }, { tenant: 't', requestId: 'req_1', keyId: 'key_1', method: 'POST', route: '/v1/chat/completions' });
  return { obs, finished, lines, started: () => started, tick: (ms: number) => (now += ms) };
}

describe('RequestObservation', () => {
  it('reports once, when both the status and the end of the stream are known, in either order', () => {
    for (const order of ['answered first', 'finished first']) {
      const h = harness();
      h.obs.model = 'm';
      h.tick(40);
      h.obs.firstData();
      h.tick(60);
      h.obs.usage({ prompt_tokens: 4, completion_tokens: 9 });
      if (order === 'answered first') h.obs.answered(200);
      h.obs.finished();
      if (order === 'finished first') h.obs.answered(200);
      h.obs.finished();
      expect(h.started()).toBe(1);
      expect(h.finished).toHaveLength(1);
      expect(h.finished[0]).toMatchObject({ status: 200, model: 'm', promptTokens: 4, completionTokens: 9, ttftSeconds: 0.04, durationSeconds: 0.1 });
      expect(h.lines).toEqual([expect.objectContaining({ event: 'request', requestId: 'req_1', keyId: 'key_1', status: 200, ttftMs: 40, durationMs: 100 })]);
    }
  });

  it("names a failure by its HttpError code and a broken stream by the stream's code", () => {
    const h = harness();
    h.obs.answered(429, new HttpError(429, 'rate_limited', 'slow down'));
    h.obs.finished();
    expect(h.finished[0]).toMatchObject({ status: 429, errorCode: 'rate_limited' });
    const b = harness();
    b.obs.answered(200);
    b.obs.streamError('agent_disconnected');
    b.obs.finished();
    expect(b.finished[0]).toMatchObject({ status: 200, errorCode: 'agent_disconnected' });
  });

  it('never logs a secret: the key is named by its id only', () => {
    const h = harness();
    h.obs.answered(200);
    h.obs.finished();
    expect(JSON.stringify(h.lines)).not.toMatch(/vl-/);
  });
});
