// One request's life through the Hub: its relay, stream and body.
// Face of edge/core/relay/: code outside the folder imports only this file (test/import-rules.test.ts).
export { RelayStream } from './relay-stream';
export type { StreamLink } from './relay-stream-link';
export { RelayBody, directBodyOf, directHeadOf } from './relay-stream-body';
export type { BodyOutlet } from './relay-stream-body';
export { RequestRelay } from './request-relay';
export type { RelayHooks } from './request-relay';
