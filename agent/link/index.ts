// The agent's end of the WebSocket to the edge.
// Face of agent/link/: code outside the folder imports only this file (test/import-rules.test.ts).
export { EdgeLink, connectUrl } from './edge-link';
export type { HelloInput, StreamHandler } from './edge-link';
export type { FrameSink } from './link-session';
