// The runtime-neutral Hub of one tenant: its agent connections, routing by
// model to the least-loaded agent, and the queue of requests waiting for one.
// Hosted by Node (one per tenant) and by a Durable Object (rebuilt after hibernation).
import { requestHeadProblem, type Hello } from '../../../protocol/index';
import { AgentLink, type LinkEvents } from '../link/index';
import { HELLO_TIMEOUT_MS, MAX_ATTEMPTS, MAX_QUEUE, QUEUE_TIMEOUT_MS, STARTUP_GRACE_MS } from '../defaults';
import { checkHubOptions } from './hub-options';
import { ModelMemory } from './model-memory';
import { agentLost, badRequestHead, clientClosed, edgeClosing, headersTooLarge, internalError, modelNotFound, noAgent, queueFull, urlTooLong } from './hub-errors';
import type { HttpError } from '../errors';
import type { AgentConnection, AgentInfo, AgentSocket, HubOptions, LinkMemory, RelayRequest, StreamInfo } from './hub-types';
import { RequestRelay, type RelayHooks } from '../relay/index';
import { WaitQueue } from './queue';
import { type EdgeMetrics, meteredConnection, meteredSocket } from '../metrics/index';

export class Hub {
  #tenant: string;
  #schedule: HubOptions['schedule'];
  #directBodies: boolean;
  #now: () => number;
  #log: (line: string) => void;
  #metrics: EdgeMetrics | undefined;
  #queueTimeoutMs: number;
  #helloTimeoutMs: number;
  #headTimeoutMs: number | undefined;
  #drainTimeoutMs: number | undefined;
  #heartbeatMs: number | undefined;
  #graceUntil: number;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Live agents by agentId (handshake done). */
  #links = new Map<string, AgentLink>();
  #queue: WaitQueue<RequestRelay>;
  #served: ModelMemory;
  #closed = false;
  #pumping = false;
  #pumpAgain = false;

  #events: LinkEvents = {
    live: (link) => this.#onLive(link),
    changed: (link, previous) => this.#onChanged(link, previous),
    capacity: () => this.#pump(),
    closed: (link) => this.#onClosed(link),
  };

  #hooks: RelayHooks = {
    retry: (relay) => this.#retry(relay),
    failover: (relay, err) => this.#failover(relay, err),
    abort: (relay) => this.#abort(relay),
    log: (line) => this.#log(line),
  };

  constructor(opts: HubOptions) {
    checkHubOptions(opts);
    this.#tenant = opts.tenant;
    this.#schedule = opts.schedule;
    this.#directBodies = opts.directBodies ?? false;
    this.#now = opts.now ?? Date.now;
    this.#served = new ModelMemory(this.#now);
    const log = opts.log ?? (() => {});
    this.#log = (line) => log(`[hub ${this.#tenant}] ${line}`);
    this.#metrics = opts.metrics;
    this.#queueTimeoutMs = opts.queueTimeoutMs ?? QUEUE_TIMEOUT_MS;
    this.#helloTimeoutMs = opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
    this.#headTimeoutMs = opts.headTimeoutMs;
    this.#drainTimeoutMs = opts.drainTimeoutMs;
    this.#heartbeatMs = opts.heartbeatMs;
    this.#queue = new WaitQueue(opts.maxQueue ?? MAX_QUEUE);
    this.#graceUntil = this.#now() + (opts.startupGraceMs ?? STARTUP_GRACE_MS);
  }

  /**
   * A host hands over an open agent socket. With `restored` (a hello remembered
   * via socket.remember, and its memory) the agent is live at once, no handshake;
   * otherwise it must say hello within the hello timeout.
   */
  connect(agentSocket: AgentSocket, restored?: Hello, memory?: LinkMemory): AgentConnection {
    const socket = this.#metrics ? meteredSocket(agentSocket, this.#tenant, this.#metrics) : agentSocket;
    const link = new AgentLink(socket, this.#events, {
      schedule: this.#schedule,
      now: this.#now,
      log: this.#log,
      directBodies: this.#directBodies,
      headTimeoutMs: this.#headTimeoutMs,
      drainTimeoutMs: this.#drainTimeoutMs,
      heartbeatMs: this.#heartbeatMs,
    });
    if (this.#closed) {
      link.close(1001, 'edge shutting down');
    } else if (restored) {
      // Sockets survive hibernation, not deploys: a restore means every agent is
      // back already, so unadvertised models need no startup grace.
      this.#graceUntil = 0;
      link.restore(restored, memory);
    } else {
      link.awaitHello(this.#helloTimeoutMs);
    }
    return this.#metrics ? meteredConnection(link, this.#tenant, this.#metrics) : link;
  }

  /** Relays one request to an agent serving req.model; resolves to the client Response. Rejects with HttpError. */
  relay(req: RelayRequest): Promise<Response> {
    const relay = new RequestRelay(req, this.#hooks);
    const response = relay.response();
    const problem = requestHeadProblem(req);
    if (this.#closed) relay.fail(edgeClosing());
    else if (req.signal?.aborted) relay.fail(clientClosed());
    else if (problem) relay.fail(headError(problem));
    else this.#placeSafely(relay);
    return response;
  }

  /** Models of connected, ready agents (GET /v1/models). */
  models(): string[] {
    const models = new Set<string>();
    for (const link of this.#links.values()) if (link.serving) for (const m of link.hello!.models) models.add(m);
    return [...models].sort();
  }

  agents(): AgentInfo[] {
    return [...this.#links.values()].map((link) => link.info());
  }

  /** Requests waiting for an agent (metrics). */
  get queued(): number {
    return this.#queue.size;
  }

  /** Open streams and what each holds for its client (admin API). */
  streams(): StreamInfo[] {
    return [...this.#links.values()].flatMap((link) => link.streams());
  }

  /** Closes all agent sockets (1001) and fails queued requests with 503. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer);
    for (const link of [...this.#links.values()]) link.close(1001, 'edge shutting down');
    for (const relay of this.#queue.clear()) relay.fail(edgeClosing());
  }

  // relay() answers with a rejected promise, never a throw, even on a bug.
  #placeSafely(relay: RequestRelay): void {
    try {
      this.#place(relay, false);
    } catch (cause) {
      this.#log(`request ${relay.req.requestId}: internal error: ${cause instanceof Error ? cause.stack : String(cause)}`);
      relay.stream?.abandon(internalError(cause));
      relay.fail(internalError(cause));
    }
  }

  /** Starts the request on an agent now, or queues it, or refuses it. */
  #place(relay: RequestRelay, retry: boolean): void {
    const model = relay.req.model;
    const link = this.#pick(model, relay.avoid);
    if (link) return this.#dispatch(relay, link);
    if (!retry) {
      if (this.#links.size > 0 && !this.#known(model)) {
        if (this.#now() >= this.#graceUntil) return relay.fail(modelNotFound(model));
        this.#armGrace();
      }
      if (this.#queue.full) return relay.fail(queueFull(this.#queue.capacity));
      this.#queue.push(relay);
    } else {
      this.#queue.unshift(relay);
    }
    relay.queuedAt = this.#now();
    relay.wait(this.#queueTimeoutMs, () => this.#expire(relay));
  }

  /** Least in-flight first among agents that can take the model now. */
  #pick(model: string, avoid?: ReadonlySet<object>): AgentLink | undefined {
    let best: AgentLink | undefined;
    for (const link of this.#links.values()) {
      if (avoid?.has(link)) continue;
      if (link.canTake(model) && (!best || link.inflight < best.inflight)) best = link;
    }
    return best;
  }

  #dispatch(relay: RequestRelay, link: AgentLink): void {
    relay.stopWaiting();
    if (this.#metrics) this.#metrics.queueWait(this.#tenant, relay.queuedAt ? (this.#now() - relay.queuedAt) / 1000 : 0);
    relay.queuedAt = 0;
    relay.attempts++;
    relay.stream = link.open(relay);
  }

  /** Some connected agent offers the model (even if busy or restarting), or one did lately. */
  #known(model: string): boolean {
    for (const link of this.#links.values()) if (link.serves(model)) return true;
    return this.#served.recent(model);
  }

  /** Offers waiting requests to agents; runs whenever capacity or agents appear. */
  #pump(): void {
    if (this.#queue.size === 0) return;
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#queue.drain((relay) => {
          if (relay.done) return true; // settled meanwhile (a bug path re-queued it); drop it
          const link = this.#pick(relay.req.model, relay.avoid);
          if (!link) return false;
          this.#dispatch(relay, link);
          return true;
        });
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
  }

  #retry(relay: RequestRelay): void {
    if (this.#closed) return relay.fail(edgeClosing());
    if (relay.attempts >= MAX_ATTEMPTS) return relay.fail(agentLost(relay.attempts));
    this.#log(`request ${relay.req.requestId}: agent lost before answering; placing it again`);
    this.#place(relay, true);
  }

  /** An agent refused the request before its upstream saw a byte: another agent that serves the model takes it, if there is one. */
  #failover(relay: RequestRelay, err: HttpError): void {
    if (this.#closed) return relay.fail(edgeClosing());
    if (relay.attempts >= MAX_ATTEMPTS) return relay.fail(err);
    const model = relay.req.model;
    const other = [...this.#links.values()].some((link) => !relay.avoid.has(link) && link.serves(model));
    if (!other) return relay.fail(err);
    this.#log(`request ${relay.req.requestId}: agent could not reach its upstream; trying another agent`);
    this.#place(relay, true);
  }

  #expire(relay: RequestRelay): void {
    if (!this.#queue.delete(relay)) return;
    const model = relay.req.model;
    // Agents are connected and none has offered this model, now or lately: it does not
    // exist here, even if the startup grace made the request wait (it ends no later than this).
    if (this.#links.size > 0 && !this.#known(model)) return relay.fail(modelNotFound(model));
    const connected = [...this.#links.values()].some((link) => link.serves(model));
    relay.fail(noAgent(model, this.#queueTimeoutMs, connected));
  }

  #abort(relay: RequestRelay): void {
    if (relay.done) return;
    if (relay.stream) return relay.stream.abandon(clientClosed());
    this.#queue.delete(relay);
    relay.fail(clientClosed());
  }

  /** At the end of the startup grace, requests for models still nobody offers get their 404. */
  #armGrace(): void {
    if (this.#graceTimer !== undefined) return;
    this.#graceTimer = setTimeout(() => {
      const unknown: RequestRelay[] = [];
      this.#queue.drain((relay) => {
        if (this.#links.size === 0 || this.#known(relay.req.model)) return false;
        unknown.push(relay);
        return true;
      });
      for (const relay of unknown) relay.fail(modelNotFound(relay.req.model));
    }, Math.max(0, this.#graceUntil - this.#now()));
  }

  #onLive(link: AgentLink): void {
    const id = link.agentId!;
    const previous = this.#links.get(id);
    this.#links.set(id, link);
    if (previous && previous !== link) previous.close(4000, 'replaced by a newer connection of the same agent');
    this.#metrics?.agentConnected(this.#tenant, id);
    this.#pump();
  }

  #onChanged(link: AgentLink, previous: Hello): void {
    this.#served.note(previous.models.filter((model) => !link.serves(model)));
    this.#pump();
  }

  #onClosed(link: AgentLink): void {
    const id = link.agentId!;
    if (this.#links.get(id) === link) this.#links.delete(id);
    this.#metrics?.agentDisconnected(this.#tenant, id);
    this.#served.note(link.hello!.models);
    this.#log(`agent ${id}: gone`);
  }
}

function headError(problem: { status: number; message: string }): HttpError {
  if (problem.status === 414) return urlTooLong(problem.message);
  if (problem.status === 431) return headersTooLarge(problem.message);
  return badRequestHead(problem.message);
}
