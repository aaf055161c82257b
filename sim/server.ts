// Starts the vLLM simulator: vLLM's OpenAI HTTP surface on plain node:http
// (lean, since benchmarks compare the relay against it) over the batching engine.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { firstIssue } from '../protocol/index';
import * as D from './defaults';
import { Engine } from './engine';
import { handleRequest, type SimContext } from './http-routes';
import { SimMetrics } from './metrics';

export interface SimOptions {
  host?: string;
  port?: number;
  /** Served model names; the first is the default. */
  models?: string[];
  stepBaseMs?: number;
  stepPerSeqMs?: number;
  prefillPerTokenMs?: number;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  maxModelLen?: number;
  /** /health returns 503 and /v1/* 503 until this has elapsed. */
  startupDelayMs?: number;
}

export interface SimServer {
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  port: number;
  engine: Engine;
  close(): Promise<void>;
}

const ms = z.number().min(0); // zod 4 numbers are finite already
const count = z.number().int().min(1);
const simOptions = z.object({
  host: z.string().min(1).default(D.DEFAULT_HOST),
  port: z.number().int().min(0).max(65535).default(D.DEFAULT_PORT),
  models: z.array(z.string().min(1)).min(1).default([D.DEFAULT_MODEL]),
  stepBaseMs: ms.default(D.STEP_BASE_MS),
  stepPerSeqMs: ms.default(D.STEP_PER_SEQ_MS),
  prefillPerTokenMs: ms.default(D.PREFILL_PER_TOKEN_MS),
  maxNumSeqs: count.default(D.MAX_NUM_SEQS),
  maxNumBatchedTokens: count.default(D.MAX_NUM_BATCHED_TOKENS),
  maxModelLen: count.default(D.MAX_MODEL_LEN),
  startupDelayMs: ms.default(0),
});

function parseOptions(opts: SimOptions): z.infer<typeof simOptions> {
  // `undefined` fields take their defaults; zod treats a present undefined as absent.
  const result = simOptions.safeParse(opts);
  if (result.success) return result.data;
  const { issue, path, message } = firstIssue(result.error);
  const value = (issue?.path ?? []).reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown>)?.[k], opts);
  throw new RangeError(`Invalid simulator option ${path} = ${JSON.stringify(value)}: ${message}`);
}

/** A URL a client on this machine can dial, even when listening on every interface. */
function dialHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startSim(opts: SimOptions = {}): Promise<SimServer> {
  const o = parseOptions(opts);
  let engine: Engine | undefined;
  const metrics = new SimMetrics(o.models[0], () => engine);
  engine = new Engine({ ...o, observer: metrics });
  const ctx: SimContext = {
    engine,
    metrics,
    models: o.models,
    maxModelLen: o.maxModelLen,
    maxBodyBytes: D.MAX_BODY_BYTES,
    readyAt: performance.now() + o.startupDelayMs,
    created: Math.floor(Date.now() / 1000),
  };

  const server = createServer((req, res) => {
    // A write racing a client's disconnect must never take the process down.
    res.on('error', () => {});
    void handleRequest(ctx, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const running = engine;

  return {
    url: `http://${dialHost(o.host)}:${port}`,
    port,
    engine: running,
    close: () =>
      new Promise<void>((resolve, reject) => {
        running.close();
        server.close((err) => (err ? reject(err) : resolve()));
        // Streams still open would hold close() until they end; a stand-in has nothing to drain.
        server.closeAllConnections();
      }),
  };
}
