// Protocol version negotiation: the agent offers versions in hello, the edge
// picks the highest both speak or refuses with close code 4001.
import { PROTOCOL_VERSIONS } from './defaults';
import { CloseCode, ProtocolError, type Result } from './errors';

export function negotiateVersion(offered: readonly number[], supported: readonly number[] = PROTOCOL_VERSIONS): Result<number> {
  const common = offered.filter((v) => supported.includes(v));
  if (common.length === 0) {
    return {
      ok: false,
      error: new ProtocolError('ERR_VERSION', `no common protocol version: offered ${offered.join(',')}, edge speaks ${supported.join(',')}`, CloseCode.versionMismatch),
    };
  }
  return { ok: true, value: Math.max(...common) };
}
