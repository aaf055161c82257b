// Binds one `ws` WebSocket to the Hub: the AgentSocket the Hub sends through,
// and the socket's events forwarded to the Hub's AgentConnection.
import { concatBytes } from '../../protocol/index';
import type { RawData, WebSocket } from 'ws';
import type { AgentConnection, AgentSocket } from '../core/hub-types';

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
  // Hub learns of a dead socket from `closed`, so a failed send is logged, never thrown into the Hub.
  const onSendError = (err?: Error) => {
    if (err) log(`agent socket send failed: ${err.message}`);
  };
  return {
    send(message) {
      try {
        ws.send(message, { binary: true }, onSendError);
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
      }
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
}

/** Forwards every message and the close of `ws` to the Hub's connection for it. */
export function forwardAgentEvents(ws: WebSocket, conn: AgentConnection, log: (line: string) => void): void {
  ws.on('message', (data, isBinary) => conn.message(isBinary ? bytesOf(data) : textOf(data)));
  // ws emits 'close' after every 'error', so the Hub hears of the end exactly once, from 'close'.
  ws.on('error', (err) => log(`agent socket error: ${err.message}`));
  ws.on('close', (code, reason) => conn.closed(code, reason.toString('utf8')));
}
