import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors';
import { RequestRelay, type RelayHooks } from './request-relay';

const hooks: RelayHooks = { retry: () => {}, failover: () => {}, abort: () => {}, log: () => {} };
const request = () => ({ method: 'POST', path: '/v1/chat/completions', headers: {}, body: new Uint8Array(3), model: 'm', requestId: 'r' });

describe('RequestRelay', () => {
  it('resolves relay()\'s promise with the response once, and rejects nothing after', async () => {
    const relay = new RequestRelay(request(), hooks);
    const promise = relay.response();
    const res = new Response('hi');
    relay.respond(res);
    relay.respond(new Response('again'));
    relay.fail(new HttpError(502, 'x', 'late'));
    expect(await promise).toBe(res);
    expect(relay.settled && relay.done).toBe(true);
  });

  it('hands out its promise once, before it settles', () => {
    const relay = new RequestRelay(request(), hooks);
    void relay.response();
    expect(() => relay.response()).toThrow(/once/);
    const settled = new RequestRelay(request(), hooks);
    settled.fail(new HttpError(503, 'no_agent', 'none'));
    expect(() => settled.response()).toThrow(/once/);
  });

  it('rejects with the HttpError when it fails before a response', async () => {
    const relay = new RequestRelay(request(), hooks);
    const promise = relay.response();
    relay.fail(new HttpError(503, 'no_agent', 'none'));
    await expect(promise).rejects.toMatchObject({ status: 503, code: 'no_agent' });
  });

  it('does not keep the Response alive while the stream goes on', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const relay = new RequestRelay(request(), hooks);
    let ref: WeakRef<Response> | undefined;
    await (async () => {
      const promise = relay.response();
      const res = new Response(null, { headers: { 'content-type': 'text/event-stream' } });
      ref = new WeakRef(res);
      relay.respond(res);
      await promise;
    })();
    // A WeakRef holds its target until the current job ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(relay.done).toBe(false); // still streaming: the relay is alive, the Response need not be
    expect(ref!.deref()).toBeUndefined();
  });
});
