// The tenant's Durable Object as the test entry deploys it: TenantDO plus what the
// /__test/* hooks read and do (test-hooks.ts). Production's TenantDO has none of it.
import { errorResponse, HttpError } from '../../core/errors';
import type { TenantEdge } from '../tenant-edge';
import { TenantDO } from '../tenant-do';
import { TEST_HOOK_PREFIX, tenantTestHook } from './test-hooks';

export class TestTenantDO extends TenantDO {
  /** Identifies this instance: a new one after hibernation or eviction. */
  readonly instance = crypto.randomUUID();
  /** When each Hub this instance built was built, to tell a rebuilt Hub from a kept one. */
  readonly #builtAt = new WeakMap<TenantEdge, number>();

  override async fetch(request: Request): Promise<Response> {
    if (!new URL(request.url).pathname.startsWith(TEST_HOOK_PREFIX)) return super.fetch(request);
    try {
      return await tenantTestHook(this, request);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err);
      throw err;
    }
  }

  override edge(): TenantEdge | undefined {
    const edge = super.edge();
    if (edge && !this.#builtAt.has(edge)) this.#builtAt.set(edge, Date.now());
    return edge;
  }

  /** The Hub if one is built, without building it. */
  peekEdge(): TenantEdge | undefined {
    return this.builtEdge;
  }

  hubBuiltAt(): number | undefined {
    return this.builtEdge && this.#builtAt.get(this.builtEdge);
  }

  /** Drops the in-memory Hub without touching the sockets, as hibernation does. */
  forgetEdge(): void {
    this.builtEdge = undefined;
  }

  openSockets(tag?: string): WebSocket[] {
    return this.ctx.getWebSockets(tag);
  }
}
