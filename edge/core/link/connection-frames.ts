// Stream 0 once the agent is live: a later hello replaces what it offers, drain
// stops new streams until the next hello, and ping is answered with pong.
import {
  CloseCode,
  CONNECTION_STREAM,
  controlFrame,
  FrameType,
  parseControl,
  ProtocolError,
  type Frame,
  type Hello,
  type Result,
} from '../../../protocol/index';
import { parseHello } from './handshake';

/** What a stream-0 frame asks of the link. */
export type ConnectionChange =
  | { kind: 'hello'; hello: Hello }
  | { kind: 'drain'; reason?: string }
  | { kind: 'reply'; frame: Frame }
  | { kind: 'none' };

/** Reads a stream-0 frame from a live agent whose hello said `agentId`; an error closes the socket. */
export function readConnectionFrame(frame: Frame, agentId: string): Result<ConnectionChange> {
  switch (frame.type) {
    case FrameType.hello: {
      const hello = parseHello(frame.payload);
      if (!hello.ok) return hello;
      if (hello.value.agentId !== agentId) {
        return { ok: false, error: new ProtocolError('ERR_CONTROL_SCHEMA', 'hello may not change agentId on a connection', CloseCode.policyViolation) };
      }
      return { ok: true, value: { kind: 'hello', hello: hello.value } };
    }
    case FrameType.drain: {
      const drain = parseControl('drain', frame.payload);
      if (!drain.ok) return drain;
      return { ok: true, value: { kind: 'drain', reason: drain.value.reason } };
    }
    case FrameType.ping: {
      const ping = parseControl('ping', frame.payload);
      if (!ping.ok) return ping;
      return { ok: true, value: { kind: 'reply', frame: controlFrame('pong', CONNECTION_STREAM, { t: ping.value.t }) } };
    }
    case FrameType.pong:
      return { ok: true, value: { kind: 'none' } };
    default:
      return { ok: false, error: new ProtocolError('ERR_FRAME_TYPE', `frame type ${frame.type} is not valid on stream 0`) };
  }
}
