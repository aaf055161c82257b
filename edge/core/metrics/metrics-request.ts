// One request's figures as it goes: started when its key is checked, ended
// once both its status is known and its stream is over (either may come first),
// then reported once to the metrics and the request log.
import type { Usage } from '../../../protocol/index';
import { HttpError } from '../errors';
import type { EdgeLogger } from '../log';
import { requestLogFields } from '../log';
import type { EdgeMetrics, RequestRecord } from './metrics';

export interface RequestObserverOptions {
  metrics?: EdgeMetrics;
  logger?: EdgeLogger;
  now?: () => number;
}

export class RequestObservation {
  readonly #opts: RequestObserverOptions;
  readonly #record: RequestRecord;
  readonly #startedAt: number;
  /** Set by the route when the request went to the Hub: its stream reports the end. */
  relayed = false;
  #answered = false;
  #finished = false;
  #reported = false;

  constructor(opts: RequestObserverOptions, fields: Pick<RequestRecord, 'tenant' | 'requestId' | 'keyId' | 'method' | 'route'>) {
    const { tenant, requestId, keyId, method, route } = fields;
    this.#opts = opts;
    this.#startedAt = (opts.now ?? Date.now)();
    // Every field from the start, so each record has one shape (no spread, no fields added later).
    this.#record = {
      tenant, requestId, keyId, method, route, model: '', status: 0, errorCode: undefined,
      promptTokens: 0, completionTokens: 0, ttftSeconds: undefined, durationSeconds: 0, endedAt: 0,
    };
    opts.metrics?.requestStarted(tenant);
  }

  set model(model: string) {
    this.#record.model = model;
  }

  /** The client got its status (a relayed response's head, or the route's own answer). */
  answered(status: number, error?: unknown): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#record.status = status;
    if (status >= 400) this.#record.errorCode = error instanceof HttpError ? error.code : status >= 500 ? 'internal_error' : 'http_error';
    this.#maybeReport();
  }

  /** The first body byte from the agent reached the edge. */
  firstData(): void {
    if (this.#record.ttftSeconds === undefined) this.#record.ttftSeconds = (this.#now() - this.#startedAt) / 1000;
  }

  usage(usage: Usage): void {
    this.#record.promptTokens = usage.prompt_tokens;
    this.#record.completionTokens = usage.completion_tokens;
  }

  /** A stream that was answered broke off: the client saw an error event. */
  streamError(code: string): void {
    this.#record.errorCode ??= code;
  }

  /** The request is over (its stream ended, or it never had one). */
  finished(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#maybeReport();
  }

  #maybeReport(): void {
    if (this.#reported || !this.#answered || !this.#finished) return;
    this.#reported = true;
    const now = this.#now();
    const r = this.#record;
    r.durationSeconds = (now - this.#startedAt) / 1000;
    r.endedAt = now;
    this.#opts.metrics?.requestFinished(r);
    const fields = requestLogFields(r);
    if (r.status >= 500) this.#opts.logger?.error(fields, 'request');
    else this.#opts.logger?.info(fields, 'request');
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }
}
