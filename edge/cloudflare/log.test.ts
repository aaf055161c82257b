import { afterEach, describe, expect, it, vi } from 'vitest';
import { logLevel, type Env } from './env';
import { jsonLogging } from './log';

describe('jsonLogging', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes JSON lines at or above its level and drops the rest, request lines included', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const info = jsonLogging('info');
    info.logger.info({ event: 'request', tenant: 't' }, 'request');
    info.lineLog('an agent came');
    const warn = jsonLogging('warn');
    warn.logger.info({ event: 'request' }, 'request');
    warn.lineLog('dropped too');
    warn.logger.warn({}, 'kept');
    warn.logger.error({}, 'kept');
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { level: 30, event: 'request', tenant: 't', msg: 'request' },
      { level: 30, msg: 'an agent came' },
      { level: 40, msg: 'kept' },
      { level: 50, msg: 'kept' },
    ]);
  });
});

describe('logLevel', () => {
  const env = (LOG_LEVEL?: string) => ({ LOG_LEVEL }) as Env;

  it('is info when unset and takes pino’s level names in any case', () => {
    expect(logLevel(env())).toBe('info');
    expect(logLevel(env(' '))).toBe('info');
    expect(logLevel(env('WARN'))).toBe('warn');
    expect(logLevel(env('debug'))).toBe('debug');
  });

  it('names the variable when its value is not a level', () => {
    expect(() => logLevel(env('quiet'))).toThrow('LOG_LEVEL must be one of trace, debug, info, warn, error, got "quiet"');
    expect(() => logLevel(env('constructor'))).toThrow(/LOG_LEVEL/);
  });
});
