import type { LogLevel } from './config.js';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

function describe(value: unknown): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      cause: value.cause ? describe(value.cause) : undefined,
    };
  }
  return value;
}

/** One JSON line per event on stderr/stdout; nothing else writes to the console. */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Logger {
  const at = (lvl: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < order[level]) return;
    const extra = fields
      ? Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, describe(v)]))
      : undefined;
    write(JSON.stringify({ level: lvl, time: new Date().toISOString(), msg: message, ...extra }));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger whose every line also carries `fields` (a request's id, say). */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (message, extra) => logger.debug(message, { ...fields, ...extra }),
    info: (message, extra) => logger.info(message, { ...fields, ...extra }),
    warn: (message, extra) => logger.warn(message, { ...fields, ...extra }),
    error: (message, extra) => logger.error(message, { ...fields, ...extra }),
  };
}
