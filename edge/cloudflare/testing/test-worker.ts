// The Worker as the end-to-end tests run it: the production Worker with the /__test/*
// hooks in front, and TestTenantDO bound as TenantDO. test/hosts/workers-host.ts hands
// this file to `wrangler dev` in place of wrangler.toml's `main`; nothing deploys it.
import { workerHandler } from '../worker';
import { forwardTestHook, TEST_HOOK_PREFIX } from './test-hooks';

export { RegistryDO } from '../registry-do';
export { TestTenantDO as TenantDO } from './test-tenant-do';

export default workerHandler((app, env) => app.all(`${TEST_HOOK_PREFIX}*`, (c) => forwardTestHook(env, c.req.raw)));
