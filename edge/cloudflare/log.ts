// The Workers host's implementation of the core's logger: one JSON line per
// record through console.log, which Workers Logs / `wrangler tail` collect.
import type { EdgeLogger, LineLog, LogFields } from '../core/log';

const LEVELS = { info: 30, warn: 40, error: 50 } as const;

function write(level: keyof typeof LEVELS, fields: LogFields, msg?: string): void {
  console.log(JSON.stringify({ level: LEVELS[level], time: Date.now(), ...fields, msg }));
}

export const jsonLogger: EdgeLogger = {
  info: (fields, msg) => write('info', fields, msg),
  warn: (fields, msg) => write('warn', fields, msg),
  error: (fields, msg) => write('error', fields, msg),
};

/** The core's text lines, as JSON records at info. */
export const jsonLineLog: LineLog = (line) => write('info', {}, line);
