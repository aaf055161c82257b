// The admin API of an edge as the CLI calls it: one client for the tenant and key
// commands (and `vllama dev`), with --edge/--admin-token and their env fallbacks.
import type { AgentInfo } from '../edge/core/hub/index';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreatedTenant, KeyInfo, KeyLimitsInput, UsageRow } from '../edge/core/store/index';
import { stringFlag, UsageError, type CommandContext, type FlagSpec } from './command';

export const adminFlags: Record<'edge' | 'admin-token', FlagSpec> = {
  edge: { type: 'string', value: 'URL', description: 'Edge base URL (default: $VLLAMA_EDGE, else the `vllama dev` edge of .vllama/dev)' },
  'admin-token': { type: 'string', value: 'T', description: 'Admin token of the edge (default: $VLLAMA_ADMIN_TOKEN, else .vllama/dev/admin-token)' },
};

export interface TenantSummary {
  name: string;
  createdAt: number;
  agents: AgentInfo[];
}

/** The edge answered with an error: its OpenAI error message, on one line. */
export class EdgeHttpError extends Error {
  override name = 'EdgeHttpError';
  readonly code: string;
  readonly status: number;

  constructor(status: number, code: string, message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.status = status;
    this.code = code;
  }
}

export class AdminClient {
  readonly #base: string;
  readonly #token: string;

  constructor(edgeUrl: string, adminToken: string) {
    this.#base = `${edgeUrl.replace(/\/+$/, '')}/admin/v1`;
    this.#token = adminToken;
  }

  createTenant(name: string): Promise<CreatedTenant> {
    return this.#call('POST', '/tenants', { name });
  }

  listTenants(): Promise<{ data: TenantSummary[] }> {
    return this.#call('GET', '/tenants');
  }

  createKey(tenant: string, limits: KeyLimitsInput): Promise<{ apiKey: string; id: string }> {
    return this.#call('POST', `/tenants/${encodeURIComponent(tenant)}/keys`, limits);
  }

  revokeKey(tenant: string, id: string): Promise<{ id: string; revoked: true }> {
    return this.#call('DELETE', `/tenants/${encodeURIComponent(tenant)}/keys/${encodeURIComponent(id)}`);
  }

  usage(tenant: string, byModel = false): Promise<{ tenant: string; data: UsageRow[] }> {
    return this.#call('GET', `/tenants/${encodeURIComponent(tenant)}/usage${byModel ? '?by=model' : ''}`);
  }

  listKeys(tenant: string): Promise<{ tenant: string; data: KeyInfo[] }> {
    return this.#call('GET', `/tenants/${encodeURIComponent(tenant)}/keys`);
  }

  rotateKey(tenant: string, id: string): Promise<{ apiKey: string; id: string }> {
    return this.#call('POST', `/tenants/${encodeURIComponent(tenant)}/keys/${encodeURIComponent(id)}/rotate`);
  }

  agents(tenant: string): Promise<{ tenant: string; data: AgentInfo[] }> {
    return this.#call('GET', `/tenants/${encodeURIComponent(tenant)}/agents`);
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.#base}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw new EdgeHttpError(0, 'edge_unreachable', `cannot reach the edge at ${this.#base}: ${cause}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const error = (json as { error?: { message?: string; code?: string } } | undefined)?.error;
      throw new EdgeHttpError(res.status, error?.code ?? `http_${res.status}`, error?.message ?? `${method} ${url}: HTTP ${res.status}`);
    }
    if (json === undefined) throw new EdgeHttpError(res.status, 'bad_response', `${method} ${url}: the edge did not answer JSON`);
    return json as T;
  }
}

/** Where `vllama dev` (run in this directory with its default --data) keeps its edge URL and admin token. */
export const DEV_DIR = '.vllama/dev';

/** The `vllama dev` edge of `dir`, when one ran there: its URL (edge-url) and admin token. */
export function devEdge(dir = DEV_DIR): { edge?: string; token?: string } {
  const read = (name: string) => {
    const file = join(dir, name);
    return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
  };
  return { edge: read('edge-url'), token: read('admin-token') };
}

/**
 * The client for --edge/--admin-token, falling back to VLLAMA_EDGE / VLLAMA_ADMIN_TOKEN,
 * then to the `vllama dev` edge of ./.vllama/dev (both only when --edge is not given either).
 */
export function adminClientFrom(ctx: CommandContext, env: NodeJS.ProcessEnv = process.env, devDir = DEV_DIR): AdminClient {
  let edge = stringFlag(ctx, 'edge') ?? env.VLLAMA_EDGE;
  let token = stringFlag(ctx, 'admin-token') ?? env.VLLAMA_ADMIN_TOKEN;
  if (!edge) {
    const dev = devEdge(devDir);
    edge = dev.edge;
    token ??= dev.token;
  }
  if (!edge) throw new UsageError('--edge is required (or set VLLAMA_EDGE, or run `vllama dev` in this directory)');
  if (!/^https?:\/\//.test(edge)) throw new UsageError(`--edge must be an http(s) URL, got "${edge}"`);
  if (!token) throw new UsageError('--admin-token is required (or set VLLAMA_ADMIN_TOKEN)');
  return new AdminClient(edge, token);
}

/** Creates a tenant; used by `vllama dev` for its own tenant. */
export function createTenantViaAdmin(edgeUrl: string, adminToken: string, name: string): Promise<CreatedTenant> {
  return new AdminClient(edgeUrl, adminToken).createTenant(name);
}

/** Prints one JSON object on stdout and nothing else. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
