// Test-only hooks of the test entry (test-worker.ts): they let end-to-end tests drop
// a tenant object's memory or its agent sockets the way hibernation and deploys do.
import { errorResponse, HttpError } from '../../core/errors';
import { AGENT_TAG } from '../agent-socket';
import type { Env } from '../env';
import type { TestTenantDO } from './test-tenant-do';

export const TEST_HOOK_PREFIX = '/__test/';

/**
 * Worker side: `/__test/<hook>?tenant=NAME` goes to that tenant's object; `/__test/worker-stream`
 * is the floor stream (below) answered by the Worker itself, with no Durable Object hop.
 */
export async function forwardTestHook(env: Env, request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === `${TEST_HOOK_PREFIX}worker-stream`) {
    return floorStream(request, url, true);
  }
  const tenant = url.searchParams.get('tenant');
  if (!tenant) return errorResponse(new HttpError(400, 'missing_tenant', 'Test hooks take ?tenant=NAME.'));
  return env.TENANT.get(env.TENANT.idFromName(tenant)).fetch(request);
}

/**
 * Object side:
 * - `GET state`: this instance's id, when its Hub was built and how many agents it restored, open sockets, agents;
 * - `POST forget`: drop the Hub, keep the sockets (what hibernation does); the next event rebuilds it;
 * - `POST drop-agents?code=1012`: close every agent socket with `code` and drop the Hub (what a deploy does);
 * - `GET|POST stream?chunks=50&everyMs=4[&timer=own]`: the object streams `chunks` chat-completion SSE chunks
 *   itself, one per `everyMs`, as a pull-based body like a relayed one, with no agent, frames or
 *   Hub: what workerd costs per streamed chunk from a Durable Object to the client (bench/workers-cost.ts DO_FLOOR=1;
 *   the Worker's own `worker-stream` is the same without the hop to the object).
 */
export async function tenantTestHook(tenant: TestTenantDO, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const hook = `${request.method} ${url.pathname.slice(TEST_HOOK_PREFIX.length)}`;
  switch (hook) {
    case 'GET state': {
      const edge = tenant.peekEdge();
      return Response.json({
        instance: tenant.instance,
        hubBuiltAt: tenant.hubBuiltAt() ?? null,
        restored: edge?.restored ?? null,
        sockets: tenant.openSockets().length,
        agents: edge?.hub.agents() ?? null,
      });
    }
    case 'POST forget':
      tenant.forgetEdge();
      return Response.json({ forgot: true });
    case 'POST drop-agents': {
      const code = Number(url.searchParams.get('code') ?? 1012);
      const edge = tenant.edge();
      const sockets = edge ? tenant.openSockets(AGENT_TAG) : [];
      for (const ws of sockets) {
        try {
          ws.close(code, 'edge restarting (test)');
        } catch {
          // Already closing: the Hub still has to hear of it below.
        }
        edge!.closed(ws, code, 'edge restarting (test)');
      }
      tenant.forgetEdge();
      return Response.json({ dropped: sockets.length });
    }
    case 'GET stream':
    case 'POST stream':
      return floorStream(request, url, url.searchParams.get('timer') === 'own');
    default:
      throw new HttpError(404, 'unknown_url', `No test hook ${hook}.`);
  }
}

const encoder = new TextEncoder();
const FLOOR_CHUNK = encoder.encode(
  `data: ${JSON.stringify({ id: 'chatcmpl-floor', object: 'chat.completion.chunk', created: 1, model: 'floor', choices: [{ index: 0, delta: { content: ' tok' }, logprobs: null, finish_reason: null }] })}\n\n`,
);

/** Floor streams waiting for their next chunk, fed by one shared timer (as one agent message feeds every stream). */
const waiting = new Set<() => void>();
let ticker: ReturnType<typeof setInterval> | undefined;

function tick(): void {
  const due = [...waiting];
  waiting.clear();
  for (const next of due) next();
  if (waiting.size === 0 && ticker !== undefined) {
    clearInterval(ticker);
    ticker = undefined;
  }
}

/**
 * `?chunks` SSE chunks after reading the request's body, each handed over only when the
 * client asks (highWaterMark 0, as RelayBody does), on a timer shared by every floor stream
 * that ticks each `?everyMs`; with `ownTimer`, a timer per chunk instead (a Worker must: a
 * timer made in one request's context may not write to another request's stream).
 */
async function floorStream(request: Request, url: URL, ownTimer: boolean): Promise<Response> {
  await request.arrayBuffer(); // read, as the relay reads a request body
  const chunks = Number(url.searchParams.get('chunks') ?? 50);
  const everyMs = Number(url.searchParams.get('everyMs') ?? 4);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull: (controller) =>
        new Promise<void>((resolve) => {
          const next = () => {
            if (sent++ < chunks) controller.enqueue(FLOOR_CHUNK);
            else {
              controller.enqueue(encoder.encode('data: [DONE]\n\n'));
              controller.close();
            }
            resolve();
          };
          if (ownTimer) return void setTimeout(next, everyMs);
          waiting.add(next);
          ticker ??= setInterval(tick, everyMs);
        }),
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } });
}
