// The admin API's storage on Cloudflare: tenant names in the registry object,
// everything else in each tenant's own object, reached by RPC.
import { HttpError } from '../core/errors';
import type { AgentInfo, StreamInfo } from '../core/hub/index';
import { isTenantName } from '../core/store/index';
import type { TenantFiguresJson } from '../core/metrics/index';
import type { AdminStore } from '../core/http/index';
import { REGISTRY_NAME, type Env } from './env';
import { unwrap } from './rpc-outcome';

export interface DurableAdminStore extends AdminStore {
  hubFor(tenant: string): { agents(): Promise<AgentInfo[]>; streams(): Promise<StreamInfo[]>; metrics(): Promise<TenantFiguresJson | undefined> };
}

export function durableAdminStore(env: Env): DurableAdminStore {
  const registry = () => env.REGISTRY.get(env.REGISTRY.idFromName(REGISTRY_NAME));
  // A malformed name cannot be a tenant: answer 404 without waking an object for it.
  const tenantObject = (name: string) => {
    if (!isTenantName(name)) throw new HttpError(404, 'tenant_not_found', `No tenant "${name}".`);
    return env.TENANT.get(env.TENANT.idFromName(name));
  };

  return {
    async createTenant(name) {
      // The tenant's object decides (409 when it holds the tenant already). The name is listed
      // first and unlisted only if the object refused it for another reason, so every tenant
      // an object holds is listed, and a name left listed by a create that died half-way
      // can still be created.
      const added = await registry().add(name, Date.now());
      try {
        return unwrap(await tenantObject(name).createTenant(name));
      } catch (err) {
        const exists = err instanceof HttpError && err.status === 409;
        if (added && !exists) await registry().remove(name);
        throw err;
      }
    },
    listTenants: async () => registry().list(),
    createKey: async (tenant, limits) => unwrap(await tenantObject(tenant).createKey(tenant, limits)),
    revokeKey: async (tenant, id) => unwrap(await tenantObject(tenant).revokeKey(tenant, id)),
    listKeys: async (tenant) => unwrap(await tenantObject(tenant).listKeys(tenant)),
    rotateKey: async (tenant, id) => unwrap(await tenantObject(tenant).rotateKey(tenant, id)),
    usage: async (tenant, byModel) => unwrap(await tenantObject(tenant).usage(tenant, byModel ?? false)),
    hubFor: (tenant) => ({
      agents: async () => tenantObject(tenant).agents(),
      streams: async () => tenantObject(tenant).streams(),
      metrics: async () => (await tenantObject(tenant).figures()) as TenantFiguresJson | undefined,
    }),
  };
}
