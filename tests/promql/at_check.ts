/**
 * Upstream's `@` step-invariance re-runs (FORMAT.md section 6, "Extra checks" 1): every vector
 * selector, matrix selector and subquery without `@` gets `@ <eval time>` (not descending into
 * subqueries that already carry `@`), and the printed expression is evaluated again at
 * -10t, 0, t/5, t and 10t (t = 0: -1s, 0, 1s). Expressions calling functions whose result moves
 * with the evaluation time are left alone.
 */
import { formatExpr, parseExpr, walk } from "../../engine/promql/parser/mod.ts";
import type { Expr } from "../../engine/promql/parser/mod.ts";

/** Prometheus's AtModifierUnsafeFunctions. */
const AT_UNSAFE = new Set([
  "days_in_month",
  "day_of_month",
  "day_of_week",
  "day_of_year",
  "end",
  "hour",
  "minute",
  "month",
  "year",
  "predict_linear",
  "range",
  "start",
  "step",
  "time",
  "timestamp",
]);

/** One extra instant evaluation. */
export interface AtVariant {
  expr: string;
  evalMs: number;
}

/** The extra evaluations for an instant eval at `evalMs`; [] when none apply. */
export function atModifierVariants(exprText: string, evalMs: number): AtVariant[] {
  let root: Expr;
  try {
    root = parseExpr(exprText);
  } catch {
    return []; // The original query reports the parse error.
  }
  let unsafe = false;
  const at = { kind: "timestamp" as const, timestampMs: evalMs };
  walk(root, (node, path) => {
    if (path.some((p) => p.kind === "SubqueryExpr" && p.at !== undefined)) return;
    switch (node.kind) {
      case "VectorSelector":
        node.at ??= at;
        break;
      case "MatrixSelector":
        node.vectorSelector.at ??= at;
        break;
      case "SubqueryExpr":
        node.at ??= at;
        break;
      case "Call":
        if (AT_UNSAFE.has(node.func.name)) unsafe = true;
        break;
    }
  });
  if (unsafe) return [];
  const text = formatExpr(root);
  const times = evalMs === 0 ? [-1000, 0, 1000] : [
    -10 * evalMs,
    0,
    Math.trunc(evalMs / 5),
    evalMs,
    10 * evalMs,
  ];
  return times.map((t) => ({ expr: text, evalMs: t }));
}
