import { describe, expect, it } from 'vitest';
import type { Usage } from '../../../protocol/index';
import { RequestObservation, type EdgeMetrics, type RequestRecord } from '../metrics/index';
import { RelayedRequest } from './relayed-request';

function setup(recordUsage: (keyId: string, usage: Usage, model?: string) => void = () => {}) {
  const finished: RequestRecord[] = [];
  const metrics = { requestStarted() {}, requestFinished: (r: RequestRecord) => finished.push({ ...r }), queueWait() {}, agentConnected() {}, agentDisconnected() {}, tunnel() {} } as unknown as EdgeMetrics;
  const obs = new RequestObservation({ metrics }, { tenant: 't', requestId: 'req_1', keyId: 'key_1', method: 'POST', route: '/v1/chat/completions' });
  obs.model = 'm';
  const recorded: Usage[] = [];
  const logs: string[] = [];
  const events = new RelayedRequest(obs, { recordUsage: (k, u, m) => (recordUsage(k, u, m), recorded.push(u)) }, 'key_1', 'm', 'req_1', (l) => logs.push(l));
  return { events, recorded, finished, logs };
}

describe('RelayedRequest', () => {
  it("records the agent's usage once and reports the request once, with its tokens and first byte", () => {
    const { events, recorded, finished } = setup();
    let released = 0;
    events.release = () => released++;
    events.responded(200);
    events.firstData();
    events.usage({ prompt_tokens: 3, completion_tokens: 5 });
    events.done();
    expect(recorded).toEqual([{ prompt_tokens: 3, completion_tokens: 5 }]);
    expect(released).toBe(1);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ status: 200, promptTokens: 3, completionTokens: 5, model: 'm' });
    expect(finished[0].ttftSeconds).toBeGreaterThanOrEqual(0);
  });

  it('records zero tokens for an answered stream without usage, whether done or the answer comes first', () => {
    for (const order of [['responded', 'done'], ['done', 'responded']] as const) {
      const { events, recorded, finished } = setup();
      for (const step of order) {
        if (step === 'done') events.done();
        else events.responded(200);
      }
      expect(recorded).toEqual([{ prompt_tokens: 0, completion_tokens: 0 }]);
      expect(finished).toHaveLength(1);
    }
  });

  it('records nothing for a relay that never answered, and names a broken stream in its record', () => {
    const { events, recorded } = setup();
    events.done();
    expect(recorded).toEqual([]);
    const broken = setup();
    broken.events.responded(200);
    broken.events.streamError('agent_disconnected');
    broken.events.done();
    expect(broken.finished[0]).toMatchObject({ errorCode: 'agent_disconnected' });
  });

  it('logs a store that fails rather than throwing into the relay', () => {
    const { events, logs, finished } = setup(() => {
      throw new Error('disk full');
    });
    events.responded(200);
    expect(() => events.usage({ prompt_tokens: 1, completion_tokens: 1 })).not.toThrow();
    events.done();
    expect(logs).toEqual(['request req_1: recording usage of key_1 failed: Error: disk full']);
    expect(finished).toHaveLength(1);
  });
});
