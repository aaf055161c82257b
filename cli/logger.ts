// The CLI's pino logger for the edge and the agent: JSON lines by default,
// pino-pretty on a terminal (or when asked); both to stderr, written
// synchronously so the last lines before an exit are never lost.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { UsageError, type CommandContext, type FlagSpec } from './command';

export const LOG_FLAGS: Record<string, FlagSpec> = {
  'log-format': { type: 'string', value: 'pretty|json', description: 'Log format (default: pretty on a terminal, json otherwise)' },
  'log-level': { type: 'string', value: 'LEVEL', description: 'Least level logged: trace, debug, info, warn, error', default: 'info' },
};

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function loggerFromFlags(ctx: CommandContext, name: string): Logger {
  const format = ctx.flags['log-format'] === undefined ? (process.stderr.isTTY ? 'pretty' : 'json') : String(ctx.flags['log-format']);
  if (format !== 'pretty' && format !== 'json') throw new UsageError(`--log-format must be pretty or json, got "${format}"`);
  const level = String(ctx.flags['log-level'] ?? 'info');
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}, got "${level}"`);
  const stream =
    format === 'pretty'
      ? pretty({ destination: 2, sync: true, colorize: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR, ignore: 'pid,hostname,name' })
      : pino.destination({ fd: 2, sync: true });
  return pino({ name, level, base: { name } }, stream);
}
