// `GET /metrics` on the Node edge, behind the admin token (a listener of its
// own without auth is cli/metrics-listener.ts).
import { errorResponse, HttpError } from '../core/errors';
import { bearerToken, secretsEqual } from '../core/store/index';

export interface MetricsText {
  text(): Promise<string>;
  readonly contentType: string;
}

/** `GET /metrics` for the edge app: the admin token as a Bearer token. */
export function metricsRoute(metrics: MetricsText, adminToken: string): { fetch(req: Request): Promise<Response> } {
  return {
    async fetch(req) {
      const token = bearerToken(req.headers.get('authorization'));
      if (!token || !(await secretsEqual(token, adminToken))) {
        return errorResponse(new HttpError(401, 'invalid_admin_token', 'Incorrect admin token provided.'));
      }
      return new Response(await metrics.text(), { headers: { 'content-type': metrics.contentType } });
    },
  };
}
