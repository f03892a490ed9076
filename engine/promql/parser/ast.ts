/**
 * PromQL abstract syntax tree. Every node carries `kind` (the node type), `pos` (byte offsets
 * `[start, end)` into the query text) and `valueType` (the type the node evaluates to, computed
 * at parse time). The shape follows Prometheus's promql/parser AST so evaluator code reads alike.
 *
 * Stability: this file is shared with the evaluator; changes are additive only.
 */

import type { Matcher } from "../../model/mod.ts";
import type { FunctionDef } from "./functions.ts";

/** The four PromQL value types plus "none" for statements without a value. */
export type ValueType = "scalar" | "vector" | "matrix" | "string" | "none";

/** Byte offsets of a node in the query: `start` inclusive, `end` exclusive. */
export interface PosRange {
  start: number;
  end: number;
}

/** Aggregation operators. */
export type AggregateOp =
  | "sum"
  | "avg"
  | "count"
  | "min"
  | "max"
  | "group"
  | "stddev"
  | "stdvar"
  | "topk"
  | "bottomk"
  | "count_values"
  | "quantile"
  | "limitk"
  | "limit_ratio";

/** Arithmetic binary operators. */
export type ArithmeticOp = "+" | "-" | "*" | "/" | "%" | "^" | "atan2";
/** Comparison binary operators. */
export type ComparisonOp = "==" | "!=" | ">" | "<" | ">=" | "<=";
/** Set binary operators (vector-only). */
export type SetOp = "and" | "or" | "unless";
/** Native-histogram trim operators: `</` trims the upper side, `>/` the lower side. */
export type TrimOp = "</" | ">/";
/** Every binary operator. */
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp | TrimOp;

/** Cardinality of a vector matching, spelled as Prometheus prints it. */
export type MatchCardinality = "one-to-one" | "many-to-one" | "one-to-many" | "many-to-many";

/** Fill values for `fill`/`fill_left`/`fill_right`: used when a side has no match. */
export interface FillValues {
  /** Value standing in for a missing left-hand sample (`fill_left(v)`), if set. */
  lhs?: number;
  /** Value standing in for a missing right-hand sample (`fill_right(v)`), if set. */
  rhs?: number;
}

/** How two vectors are matched by a binary operator (absent when an operand is a scalar). */
export interface VectorMatching {
  card: MatchCardinality;
  /** Labels listed in `on(...)` or `ignoring(...)`. */
  matchingLabels: string[];
  /** True for `on(...)`, false for `ignoring(...)` or no clause. */
  on: boolean;
  /** Labels listed in `group_left(...)`/`group_right(...)`. */
  include: string[];
  /** Fill values from `fill*` modifiers. */
  fillValues: FillValues;
}

interface NodeBase {
  pos: PosRange;
  valueType: ValueType;
}

/** A number such as `1`, `0x1F`, `1e3`, `Inf`, `NaN`, or a duration used as number (`5m` = 300). */
export interface NumberLiteral extends NodeBase {
  kind: "NumberLiteral";
  value: number;
  /** True when written as a duration (`5m`): the printer keeps the duration form. */
  duration: boolean;
}

/**
 * A string literal (already unescaped). Bytes that are not valid UTF-8 (from `\xNN`/octal escapes)
 * are kept as lone surrogates U+DC80..U+DCFF, so `value.isWellFormed()` is false for them.
 */
export interface StringLiteral extends NodeBase {
  kind: "StringLiteral";
  value: string;
}

/**
 * Duration arithmetic inside `[...]`, `offset ...` or `@` when duration expressions are enabled.
 * Leaves are NumberLiterals in seconds. `op` is a binary/unary operator or one of the nullary
 * helpers `step`/`range` (no operands) or `min_of`/`max_of` (lhs, rhs).
 * Unary `-`/`+` have only `rhs`.
 */
export interface DurationExpr extends NodeBase {
  kind: "DurationExpr";
  op: "+" | "-" | "*" | "/" | "%" | "^" | "step" | "range" | "min_of" | "max_of";
  lhs?: Expr;
  rhs?: Expr;
  /** True when written in parentheses. */
  wrapped: boolean;
}

/** `@` modifier value on a selector or subquery. */
export type AtModifier =
  | { kind: "timestamp"; timestampMs: number }
  | { kind: "start" }
  | { kind: "end" };

/** Instant vector selector `name{matchers}` with modifiers. */
export interface VectorSelector extends NodeBase {
  kind: "VectorSelector";
  /** Metric name when written outside the braces (`foo{...}`); "" otherwise (as Prometheus). */
  name: string;
  /** All matchers, including the one for `__name__` when a name is given. */
  matchers: Matcher[];
  /** Offset in ms as written (negative allowed); 0 when absent or when given as `offsetExpr`. */
  offsetMs: number;
  /**
   * Offset written as a duration expression (`offset (1m*2)`, `offset step()`); the evaluator
   * computes it (Prometheus does so per query, as `step()`/`range()` depend on the query).
   */
  offsetExpr?: DurationExpr;
  /** `@` modifier, if any. */
  at?: AtModifier;
  /** `anchored` range-selector modifier. */
  anchored: boolean;
  /** `smoothed` range-selector modifier. */
  smoothed: boolean;
  /** True for the second argument of `info()`, which may have only empty-matching matchers. */
  bypassEmptyMatcherCheck: boolean;
}

/** Range vector selector `sel[range]`. Offset/@ modifiers live on the inner selector. */
export interface MatrixSelector extends NodeBase {
  kind: "MatrixSelector";
  vectorSelector: VectorSelector;
  /** Range in ms when written as a number or duration; 0 when given as `rangeExpr`. */
  rangeMs: number;
  /** Range written as a duration expression (`[5m+1m]`, `[step()*2]`); the evaluator computes it. */
  rangeExpr?: DurationExpr;
}

/** Subquery `expr[range:step]` with optional modifiers. */
export interface SubqueryExpr extends NodeBase {
  kind: "SubqueryExpr";
  expr: Expr;
  /** Range in ms; 0 when given as `rangeExpr`. */
  rangeMs: number;
  /** Range written as a duration expression; the evaluator computes it. */
  rangeExpr?: DurationExpr;
  /** Step in ms; 0 when omitted (`[1h:]`, the engine's default step) or given as `stepExpr`. */
  stepMs: number;
  /** Step written as a duration expression; the evaluator computes it. */
  stepExpr?: DurationExpr;
  /** Offset in ms (negative allowed); 0 when absent or given as `offsetExpr`. */
  offsetMs: number;
  /** Offset written as a duration expression; the evaluator computes it. */
  offsetExpr?: DurationExpr;
  /** `@` modifier, if any. */
  at?: AtModifier;
}

/** Aggregation `op [by|without (labels)] ([param,] expr)`. */
export interface AggregateExpr extends NodeBase {
  kind: "AggregateExpr";
  op: AggregateOp;
  expr: Expr;
  /** Parameter of topk/bottomk/quantile/count_values/limitk/limit_ratio. */
  param?: Expr;
  grouping: string[];
  without: boolean;
}

/** Binary operation. */
export interface BinaryExpr extends NodeBase {
  kind: "BinaryExpr";
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  /** `bool` modifier on a comparison. */
  returnBool: boolean;
  /** Present when both operands are vectors (including set operators). */
  vectorMatching?: VectorMatching;
}

/** Function call. */
export interface Call extends NodeBase {
  kind: "Call";
  func: FunctionDef;
  args: Expr[];
}

/** Parenthesised expression. */
export interface ParenExpr extends NodeBase {
  kind: "ParenExpr";
  expr: Expr;
}

/** Unary `-expr` / `+expr`. */
export interface UnaryExpr extends NodeBase {
  kind: "UnaryExpr";
  op: "-" | "+";
  expr: Expr;
}

/** Any PromQL expression. */
export type Expr =
  | NumberLiteral
  | StringLiteral
  | DurationExpr
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | AggregateExpr
  | BinaryExpr
  | Call
  | ParenExpr
  | UnaryExpr;

/** The direct children of a node, in source order. */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case "NumberLiteral":
    case "StringLiteral":
    case "VectorSelector":
      return [];
    case "DurationExpr": {
      const out: Expr[] = [];
      if (e.lhs) out.push(e.lhs);
      if (e.rhs) out.push(e.rhs);
      return out;
    }
    case "MatrixSelector":
      return [e.vectorSelector];
    case "SubqueryExpr":
    case "ParenExpr":
    case "UnaryExpr":
      return [e.expr];
    case "AggregateExpr":
      return e.param ? [e.param, e.expr] : [e.expr];
    case "BinaryExpr":
      return [e.lhs, e.rhs];
    case "Call":
      return e.args;
  }
}

/** Depth-first pre-order walk; `visit` returning false skips that node's children. */
export function walk(e: Expr, visit: (node: Expr, path: readonly Expr[]) => boolean | void): void {
  const path: Expr[] = [];
  const rec = (n: Expr): void => {
    if (visit(n, path) === false) return;
    path.push(n);
    for (const c of children(n)) rec(c);
    path.pop();
  };
  rec(e);
}
