/** Recursive-descent PromQL parser (work in progress). */

import type { Expr } from "./ast.ts";
import { PromQLParseError } from "./errors.ts";

/** Feature switches; all default to true (the upstream corpus enables them). */
export interface ParseOptions {
  /** Experimental functions (`limitk`, `info`, `mad_over_time`, ...). */
  experimentalFunctions?: boolean;
  /** Duration expressions in ranges, offsets and `@` (`[5m+1m]`, `step()`). */
  durationExpressions?: boolean;
  /** `anchored` / `smoothed` range-selector modifiers. */
  extendedRangeSelectors?: boolean;
  /** `fill`/`fill_left`/`fill_right` binary operator modifiers. */
  binopFillModifiers?: boolean;
}

/** Parses and type-checks a PromQL expression; throws PromQLParseError. */
export function parseExpr(input: string, _opts: ParseOptions = {}): Expr {
  throw new PromQLParseError(input, [{
    pos: { start: 0, end: input.length },
    err: "not implemented",
  }]);
}
