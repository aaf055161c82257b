// startAgent: wires the edge link, one relay per connection, and the upstream
// pool. The advertisement (models, ready) is a seam for the supervisor, which
// calls setReady(false)/setReady(true) around vLLM restarts.
import { hostname } from 'node:os';
import { z } from 'zod';
import { firstIssue, MAX_ADVERTISED_INFLIGHT, MAX_AGENT_ID_LENGTH, PROTOCOL_VERSIONS, type GpuInfo, type Welcome } from '../protocol/index';
import { HEARTBEAT_MS, MAX_INFLIGHT, MODELS_RETRY_MS } from './defaults';
import { connectUrl, EdgeLink, type HelloInput, type StreamHandler, type FrameSink } from './link/index';
import type { AgentMetrics } from './metrics';
import { LinkRelay, Upstream } from './relay/index';

export interface AgentOptions {
  /** http(s)://host:port of the edge; the agent dials ws(s)://…/agent/v1/connect. */
  edge: string;
  token: string;
  /** The OpenAI-compatible server to relay to, e.g. http://127.0.0.1:8000. */
  upstream: string;
  agentId?: string;
  /** Streams served at once; default 256 = vLLM --max-num-seqs. */
  maxInflight?: number;
  heartbeatMs?: number;
  /** GPUs to advertise in hello (the supervisor queries them). */
  gpus?: GpuInfo[];
  log?: (line: string) => void;
  /** Prometheus metrics and lifecycle events (metrics.ts). */
  metrics?: AgentMetrics;
}

export interface RunningAgent {
  readonly connected: boolean;
  /** Resolves once welcome is received (first time). */
  ready: Promise<void>;
  /** Re-sends hello: ready=false (no capacity, e.g. vLLM restarting) or true. */
  setReady(ready: boolean, models?: string[]): void;
  /** Sends drain, waits for in-flight streams to finish up to graceMs, then closes. */
  drain(graceMs: number): Promise<void>;
  close(): Promise<void>;
  inflight(): number;
}

const httpUrl = (what: string) =>
  z.string().refine((s) => URL.canParse(s) && /^(https?|wss?):$/.test(new URL(s).protocol), { message: `${what} must be an http(s) URL` });

const optionsSchema = z.object({
  edge: httpUrl('edge'),
  token: z.string().min(1, 'token must not be empty'),
  upstream: httpUrl('upstream'),
  agentId: z.string().min(1).max(MAX_AGENT_ID_LENGTH).optional(),
  maxInflight: z.number().int().positive().max(MAX_ADVERTISED_INFLIGHT).optional(),
  heartbeatMs: z.number().int().positive().optional(),
});

export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const parsed = optionsSchema.safeParse(opts);
  if (!parsed.success) {
    const { issue, path, message } = firstIssue(parsed.error);
    throw new TypeError(`invalid agent option ${path}: ${message} (got ${JSON.stringify(issue?.path.length ? (opts as unknown as Record<string, unknown>)[String(issue.path[0])] : opts)})`);
  }
  const agent = new Agent(opts);
  agent.start();
  return agent;
}

class Agent implements RunningAgent {
  #opts: Required<Pick<AgentOptions, 'edge' | 'agentId' | 'maxInflight'>> & Pick<AgentOptions, 'gpus'>;
  #log: (line: string) => void;
  #upstream: Upstream;
  #link: EdgeLink;
  #relay?: LinkRelay;
  #ready = true;
  /** Models set by the supervisor; otherwise asked of the upstream on every hello. */
  #models?: string[];
  #advertised: string[] = [];
  #probeTimer?: NodeJS.Timeout;
  #probeFailing = false;
  #unreachableSent = false;
  #closed = false;
  #metrics: AgentMetrics | undefined;

  constructor(opts: AgentOptions) {
    const maxInflight = opts.maxInflight ?? MAX_INFLIGHT;
    // hostname:port names the machine and its upstream, so two agents on one host differ
    // and a restarted agent replaces its own stale connection (close 4000).
    const agentId = opts.agentId ?? `${hostname()}:${new URL(opts.upstream).port || '80'}`;
    this.#opts = { edge: opts.edge, agentId, maxInflight, gpus: opts.gpus };
    const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    this.#log = (line) => log(`agent: ${line}`);
    this.#upstream = new Upstream(opts.upstream, maxInflight);
    this.#metrics = opts.metrics;
    if (this.#metrics) this.#metrics.inflight = () => this.inflight();
    const metrics = this.#metrics;
    this.#link = new EdgeLink({
      url: connectUrl(opts.edge),
      token: opts.token,
      heartbeatMs: opts.heartbeatMs ?? HEARTBEAT_MS,
      log: this.#log,
      hello: () => this.#hello(),
      open: (sink, welcome) => this.#open(sink, welcome),
      ...(metrics ? { onMessage: (direction: 'in' | 'out', frames: number, bytes: number) => metrics.tunnel(direction, frames, bytes) } : {}),
    });
  }

  get connected(): boolean {
    return this.#link.connected;
  }

  get ready(): Promise<void> {
    return this.#link.ready;
  }

  start(): void {
    this.#link.start();
  }

  setReady(ready: boolean, models?: string[]): void {
    this.#ready = ready;
    if (models) this.#models = models;
    void this.#link.sendHello();
  }

  inflight(): number {
    return this.#relay?.inflight ?? 0;
  }

  async drain(graceMs: number): Promise<void> {
    const relay = this.#relay;
    this.#link.drain('agent shutting down');
    if (relay && relay.inflight > 0) {
      this.#log(`draining: ${relay.inflight} stream(s) in flight, waiting up to ${graceMs / 1000} s`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([relay.idle(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      if (relay.inflight > 0) this.#log(`grace period over, aborting ${relay.inflight} stream(s)`);
    }
    await this.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#probeTimer);
    this.#relay?.closed();
    await this.#link.close();
    await this.#upstream.destroy();
  }

  #open(sink: FrameSink, welcome: Welcome): StreamHandler {
    this.#relay?.closed();
    const relay = new LinkRelay({ sink, upstream: this.#upstream, initialWindow: welcome.initialWindow, log: this.#log, metrics: this.#metrics, unreachable: () => this.#unreachable() });
    this.#relay = relay;
    const serving = this.#advertised.length > 0 ? `serving ${this.#advertised.join(', ')}` : 'serving no model yet';
    this.#log(`connected to ${this.#opts.edge} as ${this.#opts.agentId}, ${serving} (capacity ${this.#opts.maxInflight})`);
    const metrics = this.#metrics;
    if (!metrics) return relay;
    metrics.connected({ edge: this.#opts.edge, agentId: this.#opts.agentId, models: this.#advertised });
    return {
      frame: (frame) => relay.frame(frame),
      drained: () => relay.drained(),
      closed: () => {
        relay.closed();
        metrics.disconnected({ edge: this.#opts.edge, agentId: this.#opts.agentId });
      },
    };
  }

  /**
   * A request found the upstream refusing connections: advertise ready:false now.
   * Without a supervisor the next hello probes `/v1/models` and keeps asking every
   * MODELS_RETRY_MS until it answers (then ready:true); with one, its health watch decides.
   */
  #unreachable(): void {
    if (this.#unreachableSent) return;
    this.#unreachableSent = true;
    this.#log(`upstream ${this.#upstream.url} refused a request; out of rotation until it answers`);
    if (this.#models) {
      this.#unreachableSent = false;
      return;
    }
    void this.#link.sendHello().finally(() => (this.#unreachableSent = false));
  }

  async #hello(): Promise<HelloInput> {
    const models = this.#models ?? (await this.#probe());
    // The schema allows 256 model ids per hello.
    this.#advertised = (models ?? []).slice(0, 256);
    this.#metrics?.capacity(this.#ready && models !== undefined ? this.#opts.maxInflight : 0);
    return {
      protocol: [...PROTOCOL_VERSIONS],
      agentId: this.#opts.agentId,
      models: this.#advertised,
      maxInflight: this.#opts.maxInflight,
      ready: this.#ready && models !== undefined,
      ...(this.#opts.gpus?.length ? { gpus: this.#opts.gpus.slice(0, 64) } : {}),
    };
  }

  /** The upstream's models, or undefined while it does not answer (then ready:false and ask again soon). */
  async #probe(): Promise<string[] | undefined> {
    try {
      const models = await this.#upstream.listModels();
      if (this.#probeFailing) this.#log(`upstream ${this.#upstream.url} answers again`);
      this.#probeFailing = false;
      return models;
    } catch (err) {
      if (!this.#probeFailing) {
        this.#log(`upstream ${this.#upstream.url} did not list its models (${(err as Error).message}); advertising ready:false and asking every ${MODELS_RETRY_MS / 1000} s`);
      }
      this.#probeFailing = true;
      clearTimeout(this.#probeTimer);
      if (!this.#closed) this.#probeTimer = setTimeout(() => void this.#link.sendHello(), MODELS_RETRY_MS);
      return undefined;
    }
  }
}
