// The agent's log through a structured logger (pino from the CLI): each line
// of the daemon's ProgressLog becomes one log record, while on a terminal
// the loading status line is still drawn (and cleared) on stderr itself.
import type { LogSink } from './supervisor/index';

export interface LineLogger {
  info(message: string): void;
}

/** A ProgressLog sink: whole lines go to the logger, status-line drawing to `tty` when it is a terminal. */
export function loggerSink(logger: LineLogger, tty: { write(chunk: string): unknown; isTTY?: boolean; columns?: number }): LogSink {
  return {
    isTTY: tty.isTTY,
    get columns() {
      return tty.columns;
    },
    write(chunk: string) {
      if (chunk.endsWith('\n')) logger.info(chunk.slice(0, -1));
      else tty.write(chunk);
    },
  };
}
