// Headers that never cross the wire: hop-by-hop fields (RFC 9110 §7.6.1) belong
// to one HTTP connection, the client's to the edge or the agent's to vLLM.
// Both sides filter with this one list; each adds what it sets itself.

export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
