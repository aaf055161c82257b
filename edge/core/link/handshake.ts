// The opening of an agent connection: the first frame must be a valid hello on
// stream 0 with a protocol version in common; the answer is a welcome.
import {
  CloseCode,
  CONNECTION_STREAM,
  controlFrame,
  FrameType,
  HEARTBEAT_INTERVAL_MS,
  INITIAL_STREAM_WINDOW,
  negotiateVersion,
  parseControl,
  ProtocolError,
  type Frame,
  type Hello,
  type Result,
} from '../../../protocol/index';

/** Checks the first frame; returns the hello and the welcome to send, or the error to close with. */
export function acceptHello(frame: Frame, heartbeatMs = HEARTBEAT_INTERVAL_MS): Result<{ hello: Hello; welcome: Frame }> {
  if (frame.type !== FrameType.hello || frame.stream !== CONNECTION_STREAM) {
    return { ok: false, error: new ProtocolError('ERR_HANDSHAKE', 'the first frame must be hello on stream 0', CloseCode.policyViolation) };
  }
  const hello = parseHello(frame.payload);
  if (!hello.ok) return hello;
  const version = negotiateVersion(hello.value.protocol);
  if (!version.ok) return version;
  const welcome = controlFrame('welcome', CONNECTION_STREAM, {
    protocol: version.value,
    initialWindow: INITIAL_STREAM_WINDOW,
    heartbeatMs,
  });
  return { ok: true, value: { hello: hello.value, welcome } };
}

/** The agent said nothing within `ms` of connecting: 1008, like a missing hello. */
export function helloTimedOut(ms: number): ProtocolError {
  return new ProtocolError('ERR_HANDSHAKE', `no hello within ${ms / 1000} s`, CloseCode.policyViolation);
}

/** Any bad hello, first or later, is a policy violation (1008), as protocol/README.md says. */
export function parseHello(payload: Uint8Array): Result<Hello> {
  const hello = parseControl('hello', payload);
  if (hello.ok) return hello;
  return { ok: false, error: new ProtocolError(hello.error.code, hello.error.message, CloseCode.policyViolation, hello.error) };
}
