/** Canonical PromQL printer (work in progress). */

import type { Expr } from "./ast.ts";

/** Canonical text of an expression, as Prometheus's `String()`. */
export function formatExpr(_expr: Expr): string {
  throw new Error("BUG: formatExpr not implemented yet");
}
