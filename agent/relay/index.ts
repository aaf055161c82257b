// Frames ⇄ HTTP to the upstream: the streams of one link.
// Face of agent/relay/: code outside the folder imports only this file (test/import-rules.test.ts).
export { LinkRelay } from './link-relay';
export { Upstream } from './upstream';
