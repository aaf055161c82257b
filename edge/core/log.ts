// The edge core's logger: pino's call shape (fields, then message), so the
// Node host passes a pino logger as is and Workers a JSON-lines one.

export type LogFields = Record<string, unknown>;

export interface EdgeLogger {
  info(fields: LogFields, message?: string): void;
  warn(fields: LogFields, message?: string): void;
  error(fields: LogFields, message?: string): void;
}

/** What a core module calls for a line of text (the older `log` option of the Hub, store and routes). */
export type LineLog = (line: string) => void;

/** Drops everything: the default where a host passed no logger. */
export const noLog: LineLog = () => {};

/** A line logger over an EdgeLogger, at info: the core's lines are what changed or went wrong (an agent came, a write failed). */
export function lineLog(logger: EdgeLogger): LineLog {
  return (line) => logger.info({}, line);
}

/** The request log line: ids, tokens and timings of one request, never a secret. */
export function requestLogFields(r: {
  requestId: string; tenant: string; keyId: string; method: string; route: string; model: string; status: number;
  errorCode?: string; promptTokens: number; completionTokens: number; ttftSeconds?: number; durationSeconds: number;
}): LogFields {
  return {
    event: 'request',
    requestId: r.requestId,
    tenant: r.tenant,
    keyId: r.keyId,
    method: r.method,
    route: r.route,
    model: r.model || undefined,
    status: r.status,
    errorCode: r.errorCode,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    ttftMs: r.ttftSeconds === undefined ? undefined : Math.round(r.ttftSeconds * 1000),
    durationMs: Math.round(r.durationSeconds * 1000),
  };
}
