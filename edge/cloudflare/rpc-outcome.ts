// HttpErrors across Durable Object RPC. Workers RPC keeps only an error's
// message (not its class, status or code), so a Durable Object returns an
// Outcome and the Worker turns a failed one back into the same HttpError.
import { HttpError, type OpenAIErrorType } from '../core/errors';

export interface FailedOutcome {
  ok: false;
  error: { status: number; code: string; message: string; type: OpenAIErrorType; param: string | null };
}

export type Outcome<T> = { ok: true; value: T } | FailedOutcome;

/** Runs fn in the Durable Object: its HttpError becomes a failed Outcome; other errors propagate (a 500). */
export async function settle<T>(fn: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return { ok: false, error: { status: err.status, code: err.code, message: err.message, type: err.type, param: err.param } };
  }
}

/** The value of an Outcome in the Worker, or its HttpError thrown again. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  const { status, code, message, type, param } = outcome.error;
  throw new HttpError(status, code, message, { type, param: param ?? undefined });
}
