// Tenants, keys, usage and limits over the one Sql interface.
// Face of edge/core/store/: code outside the folder imports only this file (test/import-rules.test.ts).
export { TENANT_NAME, bearerToken, isTenantName, parseAgentToken, parseApiKey, secretHash, secretsEqual, sha256Hex } from './keys';
export { KeyLimiter } from './limits';
export type { RateSnapshot } from './limits';
export { migrate } from './schema';
export type { Sql, SqlValue } from './sql';
export { TenantStore } from './store';
export type { ApiKeyRecord, CreatedTenant, KeyInfo, KeyLimitsInput, TenantRecord, UsageRow } from './store';
