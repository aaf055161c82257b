// One agent's connection as the Hub sees it.
// Face of edge/core/link/: code outside the folder imports only this file (test/import-rules.test.ts).
export { authorizeAgent } from './agent-auth';
export { AgentLink } from './agent-link';
export type { LinkEvents } from './link-types';
