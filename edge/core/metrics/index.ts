// What the edge counts: the interface the parts report to, per request, per tunnel message and per tenant.
// Face of edge/core/metrics/: code outside the folder imports only this file (test/import-rules.test.ts).
export { routeLabel, teeMetrics } from './metrics';
export type { EdgeMetrics, RequestRecord, TunnelDirection } from './metrics';
export { FigureBook, TenantFigures, figuresMetrics } from './metrics-figures';
export type { TenantFiguresJson } from './metrics-figures';
export { RequestObservation } from './metrics-request';
export { meteredConnection, meteredSocket } from './metrics-tunnel';
