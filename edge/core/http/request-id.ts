// `x-request-id`: the client's when it is sane, else a fresh one; echoed on every response.
import type { MiddlewareHandler } from 'hono';
import { nanoid } from 'nanoid';
import { MAX_REQUEST_ID_LENGTH } from '../defaults';
import { directHeadOf } from '../relay/index';

const SANE = new RegExp(`^[\\w.-]{1,${MAX_REQUEST_ID_LENGTH}}$`);

export type RequestIdEnv = { Variables: { requestId: string } };

export function requestIdFrom(header: string | null | undefined): string {
  return header && SANE.test(header) ? header : `req_${nanoid(24)}`;
}

/** The response with `x-request-id` set; copies it when its headers are immutable (a fetched Response). */
export function withRequestId(res: Response, id: string): Response {
  // A relayed response's head already holds it (response-head.ts); reading res.headers
  // would make the Node host build the Headers object that its record avoids.
  if (directHeadOf(res)?.['x-request-id'] === id) return res;
  try {
    res.headers.set('x-request-id', id);
    return res;
  } catch {
    const copy = new Response(res.body, res);
    copy.headers.set('x-request-id', id);
    return copy;
  }
}

/** Sets `c.var.requestId` and stamps it on whatever response the app produces, errors included. */
export function requestId(): MiddlewareHandler<RequestIdEnv> {
  return async (c, next) => {
    const id = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', id);
    await next();
    // Reassigning c.res makes Hono wrap the response anew; only do it when the headers were immutable.
    const res = withRequestId(c.res, id);
    if (res !== c.res) c.res = res;
  };
}
