// The Workers host's implementation of the core's logger: one JSON line per
// record through console.log, which Workers Logs / `wrangler tail` collect.
// LOG_LEVEL (wrangler.toml [vars]) drops what is below it, as the Node
// host's --log-level does: at warn, no line per request.
import type { EdgeLogger, LineLog, LogFields } from '../core/log';

/** pino's levels, by the names `vllama edge --log-level` takes. */
export const LOG_LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 } as const;
export type LogLevel = keyof typeof LOG_LEVELS;

function write(level: number, fields: LogFields, msg?: string): void {
  console.log(JSON.stringify({ level, time: Date.now(), ...fields, msg }));
}

const skip = (): void => {};

/** The logger and the core's text lines (at info) for a minimum level. */
export function jsonLogging(min: LogLevel = 'info'): { logger: EdgeLogger; lineLog: LineLog } {
  const at = (level: number) => (LOG_LEVELS[min] <= level ? (fields: LogFields, msg?: string) => write(level, fields, msg) : skip);
  const info = at(LOG_LEVELS.info);
  return {
    logger: { info, warn: at(LOG_LEVELS.warn), error: at(LOG_LEVELS.error) },
    lineLog: (line) => info({}, line),
  };
}
