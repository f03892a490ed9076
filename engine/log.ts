/** Structured logging: one JSON object per line on stderr, filtered by level. */
import { AsyncLocalStorage } from "node:async_hooks";

/** Fields (such as the request id) added to every line logged within `logContext.run(fields, fn)`. */
export const logContext: AsyncLocalStorage<Record<string, unknown>> = new AsyncLocalStorage();

/** Log levels in increasing severity. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** True when `s` names a log level. */
export function isLogLevel(s: string): s is LogLevel {
  return Object.hasOwn(RANK, s);
}

/** A structured logger; `with()` adds fields (e.g. a request id) to every line. */
export class Logger {
  constructor(
    readonly level: LogLevel = "info",
    readonly fields: Readonly<Record<string, unknown>> = {},
    readonly sink: (line: string) => void = defaultSink,
  ) {}

  /** A child logger whose lines carry `fields` too. */
  with(fields: Record<string, unknown>): Logger {
    return new Logger(this.level, { ...this.fields, ...fields }, this.sink);
  }

  /** Logs at debug level. */
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.#log("debug", msg, fields);
  }

  /** Logs at info level. */
  info(msg: string, fields?: Record<string, unknown>): void {
    this.#log("info", msg, fields);
  }

  /** Logs at warn level. */
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.#log("warn", msg, fields);
  }

  /** Logs at error level. */
  error(msg: string, fields?: Record<string, unknown>): void {
    this.#log("error", msg, fields);
  }

  #log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (RANK[level] < RANK[this.level]) return;
    const rec = {
      ts: new Date().toISOString(),
      level,
      msg,
      ...logContext.getStore(),
      ...this.fields,
      ...fields,
    };
    this.sink(JSON.stringify(rec, errorReplacer));
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

const encoder = new TextEncoder();
function defaultSink(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}
