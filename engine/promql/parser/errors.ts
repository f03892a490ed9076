/** Parse errors with Prometheus's wording and `line:col` positions. */

import type { PosRange } from "./ast.ts";

/** One parse error: a position range plus Prometheus's bare message (without the prefix). */
export interface ParseErrorDetail {
  pos: PosRange;
  /** Message without the `line:col: parse error: ` prefix. */
  err: string;
}

/**
 * A query that does not parse or type-check (HTTP 400 `bad_data`). `message` is exactly
 * Prometheus's text for the first error, e.g. `1:7: parse error: unexpected end of input`.
 */
export class PromQLParseError extends SyntaxError {
  override name = "PromQLParseError";
  /** All errors found, first one is the one in `message`. */
  readonly errors: readonly ParseErrorDetail[];
  /** The query text. */
  readonly query: string;

  constructor(query: string, errors: ParseErrorDetail[]) {
    super(
      errors.length > 0 ? formatParseError(query, errors[0]) : "error contains no error message",
    );
    this.query = query;
    this.errors = errors;
  }

  /** Position range (byte offsets) of the first error. */
  get pos(): PosRange {
    return this.errors[0]?.pos ?? { start: 0, end: 0 };
  }
}

/** Renders `line:col` for a byte offset the way Prometheus does (col is bytes since the last newline). */
export function positionString(query: string, bytePos: number): string {
  if (query === "") return "unknown position";
  const bytes = new TextEncoder().encode(query);
  if (bytePos < 0 || bytePos > bytes.length) return "invalid position";
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < bytePos; i++) {
    if (bytes[i] === 0x0a) {
      lastBreak = i;
      line++;
    }
  }
  return `${line}:${bytePos - lastBreak}`;
}

/** `line:col: parse error: msg`. */
export function formatParseError(query: string, e: ParseErrorDetail): string {
  return `${positionString(query, e.pos.start)}: parse error: ${e.err}`;
}
