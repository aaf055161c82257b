// One tenant's Durable Object: verifies its API keys and agent tokens, records
// usage (its own SQLite, the Node host's schema), and runs the tenant's Hub over
// hibernatable agent sockets. The Worker routes here by `idFromName(tenant)`.
import { DurableObject } from 'cloudflare:workers';
import { authorizeAgent } from '../core/link/index';
import { AGENT_CONNECT_PATH, BODY_TIMEOUT_MS, DO_USAGE_FLUSH_MS } from '../core/defaults';
import { invalidApiKey, errorResponseFor, requestIdFrom } from '../core/http/index';
import { HttpError } from '../core/errors';
import type { AgentInfo, StreamInfo } from '../core/hub/index';
import { parseApiKey, secretHash, migrate, TenantStore, type CreatedTenant, type KeyInfo, type KeyLimitsInput, type Sql, type UsageRow } from '../core/store/index';
import { figuresMetrics, TenantFigures, type TenantFiguresJson } from '../core/metrics/index';
import { doSql, hasSchema } from './do-sql';
import { drainBody } from './drain-body';
import { bodyTimeoutMs, logLevel, msVar, queueTimeoutMs, type Env } from './env';
import { settle, type Outcome } from './rpc-outcome';
import { TenantEdge } from './tenant-edge';
import { jsonLogging } from './log';

export class TenantDO extends DurableObject<Env> {
  /** Set once this object holds a tenant; an object named by a made-up tenant never writes storage. */
  #store: TenantStore | undefined;
  /** The tenant's Hub and app once built; protected for the test entry's subclass (testing/test-tenant-do.ts). */
  protected builtEdge: TenantEdge | undefined;
  /**
   * The tenant's figures as plain counters (a Durable Object cannot be scraped): kept on the
   * object, not the Hub, so a rebuilt Hub keeps counting; gone when the object is evicted.
   */
  #figures: TenantFigures | undefined;
  /** Its logger at LOG_LEVEL, made on first use. */
  #logs: ReturnType<typeof jsonLogging> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Answered by the runtime without waking the object: an idle agent costs no duration.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
    const sql = doSql(ctx.storage);
    if (hasSchema(sql)) {
      migrate(sql);
      this.#store = this.#newStore(sql);
    }
  }

  /** Usage and rate counts are written at most DO_USAGE_FLUSH_MS after a request, in one transaction. */
  #newStore(sql: Sql): TenantStore {
    return new TenantStore(sql, { rateWindowMs: msVar(this.env, 'RATE_WINDOW_MS'), usageFlushMs: DO_USAGE_FLUSH_MS, log: this.#logging().lineLog });
  }

  #logging(): ReturnType<typeof jsonLogging> {
    return (this.#logs ??= jsonLogging(logLevel(this.env)));
  }

  override async fetch(request: Request): Promise<Response> {
    let res: Response;
    try {
      res = await this.#route(request);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      res = errorResponseFor(new URL(request.url).pathname, err, requestIdFrom(request.headers.get('x-request-id')));
    }
    await drainBody(request);
    return res;
  }

  async #route(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === AGENT_CONNECT_PATH) return this.#connectAgent(request);
    const edge = this.edge();
    if (!edge) {
      // Hashed as a known tenant's key is, so the answer does not tell that the tenant does not exist.
      const key = parseApiKey(request.headers.get('authorization'));
      if (key) await secretHash(key.key);
      throw invalidApiKey();
    }
    return edge.app.fetch(request);
  }

  /** The tenant's Hub and app, built on first use after the object starts; undefined for an unknown tenant. */
  edge(): TenantEdge | undefined {
    if (this.builtEdge || !this.#store) return this.builtEdge;
    const tenant = this.#tenant();
    if (!tenant) return undefined;
    const { lineLog: log, logger } = this.#logging();
    this.#figures ??= new TenantFigures(tenant);
    const metrics = figuresMetrics(this.#figures);
    this.builtEdge = new TenantEdge(this.ctx, {
      tenant,
      store: this.#store,
      queueTimeoutMs: queueTimeoutMs(this.env),
      bodyTimeoutMs: bodyTimeoutMs(this.env) ?? BODY_TIMEOUT_MS,
      keepAliveMs: msVar(this.env, 'KEEP_ALIVE_MS'),
      log,
      metrics,
      logger,
    });
    if (this.builtEdge.restored > 0) log(`[tenant ${tenant}] restored ${this.builtEdge.restored} agents from hibernation`);
    return this.builtEdge;
  }

  async #connectAgent(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      throw new HttpError(426, 'upgrade_required', 'This endpoint takes a WebSocket upgrade from a vllama agent.', {
        headers: { upgrade: 'websocket' },
      });
    }
    const tenant = this.#store ? await authorizeAgent(this.#store, request.headers.get('authorization')) : undefined;
    const edge = this.edge();
    if (!edge || tenant !== this.#tenant()) throw new HttpError(401, 'invalid_agent_token', 'Incorrect agent token provided.');
    const { 0: client, 1: server } = new WebSocketPair();
    edge.accept(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** This object's tenant: its name, or the one tenant its storage holds (ids made without a name). */
  #tenant(): string | undefined {
    return this.ctx.id.name ?? this.#store?.listTenants()[0]?.name;
  }

  // Hibernation API: the runtime calls these, waking the object (and rebuilding the Hub) if it slept.

  override webSocketMessage(ws: WebSocket, message: ArrayBuffer | string): void {
    const edge = this.edge();
    if (edge) edge.message(ws, message);
    else ws.close(1008, 'unknown tenant');
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.edge()?.closed(ws, code, reason);
  }

  override webSocketError(ws: WebSocket, error: unknown): void {
    this.edge()?.closed(ws, 1006, error instanceof Error ? error.message : String(error));
  }

  // RPC from the Worker's admin API. HttpErrors come back as Outcomes (see rpc-outcome.ts).

  createTenant(name: string): Promise<Outcome<CreatedTenant>> {
    return settle(() => {
      if (this.ctx.id.name !== undefined && this.ctx.id.name !== name) {
        throw new HttpError(400, 'invalid_tenant_name', `This object belongs to tenant "${this.ctx.id.name}".`);
      }
      const sql = doSql(this.ctx.storage);
      migrate(sql);
      this.#store ??= this.#newStore(sql);
      return this.#store.createTenant(name);
    });
  }

  createKey(tenant: string, limits: KeyLimitsInput): Promise<Outcome<{ apiKey: string; id: string }>> {
    return settle(() => this.#storeOf(tenant).createKey(tenant, limits));
  }

  revokeKey(tenant: string, id: string): Promise<Outcome<void>> {
    return settle(() => this.#storeOf(tenant).revokeKey(tenant, id));
  }

  listKeys(tenant: string): Promise<Outcome<KeyInfo[]>> {
    return settle(() => this.#storeOf(tenant).listKeys(tenant));
  }

  rotateKey(tenant: string, id: string): Promise<Outcome<{ apiKey: string; id: string }>> {
    return settle(() => this.#storeOf(tenant).rotateKey(tenant, id));
  }

  usage(tenant: string, byModel = false): Promise<Outcome<UsageRow[]>> {
    return settle(() => this.#storeOf(tenant).usage(tenant, byModel));
  }

  /** The tenant's connected agents; [] without building a Hub when none is built and no socket is open. */
  agents(): AgentInfo[] {
    if (!this.builtEdge && this.ctx.getWebSockets().length === 0) return [];
    return this.edge()?.hub.agents() ?? [];
  }

  /** The tenant's figures (GET /admin/v1/tenants/:name/metrics, the status page); undefined before any traffic. */
  figures(): TenantFiguresJson | undefined {
    return this.#figures?.toJSON();
  }

  /** The tenant's open streams and what each buffers; [] when no Hub is built (none can be open). */
  streams(): StreamInfo[] {
    return this.builtEdge?.hub.streams() ?? [];
  }

  #storeOf(tenant: string): TenantStore {
    if (!this.#store) throw new HttpError(404, 'tenant_not_found', `No tenant "${tenant}".`);
    return this.#store;
  }
}
