// The in-memory half of a tenant's Durable Object: its Hub, the OpenAI app over
// it, and the Hub connection of each agent socket. Built on first use after the
// object starts, so after hibernation it is rebuilt from `ctx.getWebSockets()`.
import { tenantGate, type ConcurrencyGate, Hub, type AgentConnection } from '../core/hub/index';
import type { EdgeLogger } from '../core/log';
import type { EdgeMetrics } from '../core/metrics/index';
import { tenantRoutes } from '../core/http/index';
import type { TenantStore } from '../core/store/index';
import { AGENT_TAG, agentSocket, connIdOf, forgetAgent, initAttachment, restoreAgent } from './agent-socket';

export interface TenantEdgeOptions {
  tenant: string;
  store: TenantStore;
  queueTimeoutMs?: number;
  bodyTimeoutMs?: number;
  keepAliveMs?: number;
  log: (line: string) => void;
  metrics?: EdgeMetrics;
  logger?: EdgeLogger;
}

export class TenantEdge {
  readonly hub: Hub;
  readonly app: ReturnType<typeof tenantRoutes>;
  /** Per-key concurrency of the tenant (pass it to any other route family too). */
  readonly gate: ConcurrencyGate;
  /** Agents put back from socket attachments when this Hub was built. */
  readonly restored: number;
  readonly #ctx: DurableObjectState;
  readonly #conns = new Map<string, AgentConnection>();

  constructor(ctx: DurableObjectState, opts: TenantEdgeOptions) {
    this.#ctx = ctx;
    const { tenant, store, queueTimeoutMs, bodyTimeoutMs, keepAliveMs, log, metrics, logger } = opts;
    // No setImmediate in Workers; a microtask runs after the current event's synchronous work. Wrapped:
    // workerd throws "Illegal invocation" when its queueMicrotask is called as a method of another object.
    this.hub = new Hub({ tenant, queueTimeoutMs, schedule: (fn) => queueMicrotask(fn), log, metrics });
    // One concurrency gate per tenant: every route family of the tenant must share it.
    this.gate = tenantGate(queueTimeoutMs);
    this.app = tenantRoutes({ tenant, store, hub: this.hub, gate: this.gate, keepAliveMs, bodyTimeoutMs, log, metrics, logger });
    let restored = 0;
    for (const ws of ctx.getWebSockets(AGENT_TAG)) if (this.#restore(ws)) restored++;
    this.restored = restored;
  }

  /** Takes a new agent socket (the server end of a WebSocketPair) as hibernatable, and hands it to the Hub. */
  accept(ws: WebSocket): void {
    const connId = crypto.randomUUID();
    this.#ctx.acceptWebSocket(ws, [AGENT_TAG, connId]);
    initAttachment(ws, connId);
    this.#conns.set(connId, this.hub.connect(agentSocket(ws, connId, this.#ctx.storage.kv)));
  }

  message(ws: WebSocket, data: ArrayBuffer | string): void {
    const conn = this.#connOf(ws);
    if (conn) conn.message(typeof data === 'string' ? data : new Uint8Array(data));
    else ws.close(1011, 'unknown agent socket; reconnect');
  }

  closed(ws: WebSocket, code: number, reason: string): void {
    const connId = connIdOf(this.#ctx, ws);
    if (connId === undefined) return;
    this.#conns.get(connId)?.closed(code, reason);
    this.#conns.delete(connId);
    forgetAgent(ws, this.#ctx.storage.kv);
  }

  #connOf(ws: WebSocket): AgentConnection | undefined {
    const connId = connIdOf(this.#ctx, ws);
    return connId === undefined ? undefined : this.#conns.get(connId);
  }

  /** Puts an agent socket that outlived the last Hub back into this one; true when its agent is live again. */
  #restore(ws: WebSocket): boolean {
    // A socket the edge already closed can still be listed until the agent's close frame arrives.
    if (ws.readyState !== WebSocket.READY_STATE_OPEN) return false;
    const agent = restoreAgent(ws, this.#ctx.storage.kv);
    if (!agent) {
      ws.close(1011, 'agent socket lost its state; reconnect');
      return false;
    }
    // Without a hello (none came before the object slept) the link waits for one, as on a new socket.
    const socket = agentSocket(ws, agent.connId, this.#ctx.storage.kv);
    this.#conns.set(agent.connId, this.hub.connect(socket, agent.hello, agent.memory));
    return agent.hello !== undefined;
  }
}
