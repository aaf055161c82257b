// Binds one `ws` WebSocket to the Hub: the AgentSocket the Hub sends through,
// and the socket's events forwarded to the Hub's AgentConnection.
import { concatBytes } from '../../protocol/index';
import type { RawData, WebSocket } from 'ws';
import { AGENT_CLOSE_GRACE_MS } from '../core/defaults';
import type { AgentConnection, AgentSocket } from '../core/hub/index';

/** A plain Uint8Array view of ws's message bytes (no copy for the usual single Buffer). */
function bytesOf(data: RawData): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) return concatBytes(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function textOf(data: RawData): string {
  return new TextDecoder().decode(bytesOf(data));
}

export function agentSocket(ws: WebSocket, log: (line: string) => void): AgentSocket {
  // ws throws from send() only before OPEN; after close it reports through the callback. Either way the
  // Hub learns of a dead socket from `closed`, so a failed send is logged (once per socket: a dead
  // socket fails every send after it, and a line each was 8.5 million lines in issue 13), never thrown.
  let logged = false;
  const onSendError = (err?: Error) => {
    if (!err || logged) return;
    logged = true;
    log(`agent socket send failed: ${err.message} (further failures on this socket are not logged)`);
  };
  // The Hub passes the same `written` for every message: one callback per socket, not one per message.
  let writtenFor: (() => void) | undefined;
  let onWritten: (err?: Error) => void = onSendError;
  const callbackFor = (written: (() => void) | undefined) => {
    if (!written) return onSendError;
    if (written !== writtenFor) {
      writtenFor = written;
      onWritten = (err) => (err ? onSendError(err) : written());
    }
    return onWritten;
  };
  return {
    send(message, written) {
      try {
        ws.send(message, { binary: true }, callbackFor(written));
      } catch (err) {
        onSendError(err as Error);
      }
    },
    sendText(text) {
      try {
        ws.send(text, { binary: false }, onSendError);
      } catch (err) {
        onSendError(err as Error);
      }
    },
    close(code, reason) {
      try {
        ws.close(code, reason);
      } catch {
        // close() throws only for a code ws deems invalid; a dead socket is the outcome we wanted.
        ws.terminate();
        return;
      }
      // A peer that does not read never answers the close handshake; ws would wait 30 s.
      setTimeout(() => ws.terminate(), AGENT_CLOSE_GRACE_MS).unref();
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
}

/** Forwards every message and the close of `ws` to the Hub's connection for it. */
export function forwardAgentEvents(ws: WebSocket, conn: AgentConnection, log: (line: string) => void): void {
  ws.on('message', (data, isBinary) => conn.message(isBinary ? bytesOf(data) : textOf(data)));
  // WebSocket-level pings and pongs count against the agent's control rate (a flood of either is closed).
  ws.on('ping', () => conn.control?.());
  ws.on('pong', () => conn.control?.());
  // ws emits 'close' after every 'error', so the Hub hears of the end exactly once, from 'close'.
  let logged = false;
  ws.on('error', (err) => {
    if (logged) return;
    logged = true;
    log(`agent socket error: ${err.message}`);
  });
  ws.on('close', (code, reason) => conn.closed(code, reason.toString('utf8')));
}
