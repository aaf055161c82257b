// Counts the tunnel's traffic per WebSocket message (not per frame): wraps an
// agent socket and its Hub connection; the frames of a message are counted by
// walking their length prefixes.
import type { AgentConnection, AgentSocket } from '../hub/index';
import { countFrames, type EdgeMetrics } from './metrics';

/** The socket with every binary message it sends counted as `out`. */
export function meteredSocket(socket: AgentSocket, tenant: string, metrics: EdgeMetrics): AgentSocket {
  return {
    send(message) {
      metrics.tunnel(tenant, 'out', countFrames(message), message.byteLength);
      socket.send(message);
    },
    sendText: (text) => socket.sendText(text),
    close: (code, reason) => socket.close(code, reason),
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    ...(socket.remember ? { remember: socket.remember.bind(socket) } : {}),
  };
}

/** The connection with every binary message it receives counted as `in`. */
export function meteredConnection(conn: AgentConnection, tenant: string, metrics: EdgeMetrics): AgentConnection {
  return {
    message(data) {
      if (typeof data !== 'string') metrics.tunnel(tenant, 'in', countFrames(data), data.byteLength);
      conn.message(data);
    },
    closed: (code, reason) => conn.closed(code, reason),
  };
}
