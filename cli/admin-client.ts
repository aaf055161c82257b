// The admin API of an edge as the CLI calls it: one client for the tenant and key
// commands (and `vllama dev`), with --edge/--admin-token and their env fallbacks.
import type { AgentInfo } from '../edge/core/hub-types';
import type { CreatedTenant, KeyLimitsInput, UsageRow } from '../edge/core/store';
import { stringFlag, UsageError, type CommandContext, type FlagSpec } from './command';

export const adminFlags: Record<'edge' | 'admin-token', FlagSpec> = {
  edge: { type: 'string', value: 'URL', description: 'Edge base URL (default: $VLLAMA_EDGE)' },
  'admin-token': { type: 'string', value: 'T', description: 'Admin token of the edge (default: $VLLAMA_ADMIN_TOKEN)' },
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

  usage(tenant: string): Promise<{ tenant: string; data: UsageRow[] }> {
    return this.#call('GET', `/tenants/${encodeURIComponent(tenant)}/usage`);
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

/** The client for --edge/--admin-token, falling back to VLLAMA_EDGE / VLLAMA_ADMIN_TOKEN. */
export function adminClientFrom(ctx: CommandContext, env: NodeJS.ProcessEnv = process.env): AdminClient {
  const edge = stringFlag(ctx, 'edge') ?? env.VLLAMA_EDGE;
  const token = stringFlag(ctx, 'admin-token') ?? env.VLLAMA_ADMIN_TOKEN;
  if (!edge) throw new UsageError('--edge is required (or set VLLAMA_EDGE)');
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
