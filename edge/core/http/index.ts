// The Hono apps of the edge and what they read from a request.
// Face of edge/core/http/: code outside the folder imports only this file (test/import-rules.test.ts).
export { apiKeyHeader } from './api-key-header';
export { edgeApp } from './app';
export { AuthThrottle } from './auth-throttle';
export { invalidApiKey, notFound, onError } from './error-handler';
export { errorResponseFor } from './error-shape';
export { forwardableHeaderLists } from './forward-headers';
export { KEEP_ALIVE_COMMENT } from './keep-alive';
export { formatReset, rateLimitHeaders } from './rate-headers';
export { bodyReadFailed, declaredLength, parseJsonBody, readBody, tooLarge, tooSlow } from './request-body';
export { MAX_REQUEST_PATH } from './request-checks';
export { requestId, requestIdFrom } from './request-id';
export { adminRoutes } from './routes-admin';
export type { AdminStore } from './routes-admin';
export type { HostRequest } from './routes-openai';
export { statusRoutes } from './routes-status';
export { tenantRoutes } from './routes-tenant';
