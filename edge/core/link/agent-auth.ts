// Checks the agent token an agent dials in with; hosts call it before upgrading,
// so a bad token gets a plain 401 and never a WebSocket.
import { HttpError } from '../errors';
import { parseAgentToken, type TenantStore } from '../store/index';

/** The tenant of a valid `Authorization: Bearer vla-…` header; 401 HttpError otherwise. */
export async function authorizeAgent(
  store: Pick<TenantStore, 'verifyAgentToken'>,
  authorization: string | null | undefined,
): Promise<string> {
  const parsed = parseAgentToken(authorization);
  if (!parsed || !(await store.verifyAgentToken(parsed.tenant, parsed.key))) {
    throw new HttpError(401, 'invalid_agent_token', 'Incorrect agent token provided.');
  }
  return parsed.tenant;
}
