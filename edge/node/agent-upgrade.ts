// The Node host's handler for `upgrade` requests: only GET /agent/v1/connect with a
// valid agent token becomes a WebSocket; everything else gets an HTTP error and no socket.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { authorizeAgent } from '../core/link/index';
import type { AuthThrottle } from '../core/http/index';
import { AGENT_CONNECT_PATH } from '../core/defaults';
import { errorJson, HttpError } from '../core/errors';
import type { TenantStore } from '../core/store/index';
import { agentSocket, forwardAgentEvents } from './agent-socket';
import type { Heartbeat } from './heartbeat';
import type { TenantHubs } from './tenant-hubs';

export interface AgentUpgradeOptions {
  store: TenantStore;
  tenants: TenantHubs;
  wss: WebSocketServer;
  heartbeat: Heartbeat;
  /** Failed agent tokens count against the peer's address, with the API's failed keys. */
  throttle?: AuthThrottle;
  log: (line: string) => void;
}

/** Answers an upgrade request with a plain HTTP error (OpenAI body) and closes the socket. */
function refuse(socket: Duplex, err: HttpError): void {
  if (socket.destroyed) return;
  const body = errorJson(err);
  const lines = [
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(err.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

export function agentUpgradeHandler(opts: AgentUpgradeOptions) {
  const { store, tenants, wss, heartbeat, throttle, log } = opts;

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    throttle?.check(req.socket.remoteAddress ?? 'unknown');
    const path = new URL(req.url ?? '/', 'http://edge').pathname;
    if (path !== AGENT_CONNECT_PATH) throw new HttpError(404, 'unknown_url', `Invalid URL (${req.method} ${path})`);
    const tenant = await authorizeAgent(store, req.headers.authorization);
    const edge = tenants.get(tenant);
    if (!edge) throw new HttpError(401, 'invalid_agent_token', 'Incorrect agent token provided.');
    if (socket.destroyed) return;
    // ws checks the method and the WebSocket headers itself and answers 400 when they are wrong.
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = edge.hub.connect(agentSocket(ws, log));
      forwardAgentEvents(ws, conn, log);
      heartbeat.watch(ws);
    });
  };

  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Until ws owns the socket, a reset by the peer must not become an uncaught 'error'.
    socket.on('error', () => {});
    upgrade(req, socket, head).catch((err: unknown) => {
      if (err instanceof HttpError && err.status === 401) throttle?.failed(req.socket.remoteAddress ?? 'unknown');
      if (err instanceof HttpError) return refuse(socket, err);
      log(`agent upgrade failed: ${(err as Error).stack ?? String(err)}`);
      refuse(socket, new HttpError(500, 'internal_error', 'The server had an error while processing your request.'));
    });
  };
}
