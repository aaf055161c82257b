// A tenant's Hub: agents, routing, wait queue, and the contract with the hosts.
// Face of edge/core/hub/: code outside the folder imports only this file (test/import-rules.test.ts).
export { tenantGate } from './concurrency-gate';
export type { ConcurrencyGate } from './concurrency-gate';
export { Hub } from './hub';
export { badGateway, headTimeout, headersTooLarge, internalError, modelNotFound, urlTooLong } from './hub-errors';
export type { AgentConnection, AgentInfo, AgentSocket, ClientSignal, HubOptions, LinkMemory, RelayEvents, RelayRequest, StreamInfo } from './hub-types';
