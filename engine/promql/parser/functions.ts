/**
 * Signature table of every PromQL function in Prometheus 3, including the experimental ones
 * (enabled by `promql-experimental-functions`). Implementations live elsewhere; the parser uses
 * this table for arity and type checking, the evaluator to dispatch by name.
 */

import type { ValueType } from "./ast.ts";

/** Signature of one PromQL function. */
export interface FunctionDef {
  /** Function name as written in PromQL. */
  readonly name: string;
  /** Argument types in order. */
  readonly argTypes: readonly ValueType[];
  /**
   * 0: exactly `argTypes.length` arguments. N > 0: the last argument is optional and may repeat so
   * that up to `argTypes.length - 1 + N` arguments are accepted. -1: the last argument is optional
   * and may repeat without bound. Extra arguments take the last argument's type.
   */
  readonly variadic: number;
  /** Type of the call's value. */
  readonly returnType: ValueType;
  /** True for functions that parse only when experimental functions are enabled. */
  readonly experimental: boolean;
}

function sig(
  name: string,
  argTypes: ValueType[],
  variadic: number,
  returnType: ValueType,
  experimental = false,
): FunctionDef {
  return Object.freeze({
    name,
    argTypes: Object.freeze(argTypes),
    variadic,
    returnType,
    experimental,
  });
}

const ALL: readonly FunctionDef[] = [
  sig("abs", ["vector"], 0, "vector"),
  sig("absent", ["vector"], 0, "vector"),
  sig("absent_over_time", ["matrix"], 0, "vector"),
  sig("acos", ["vector"], 0, "vector"),
  sig("acosh", ["vector"], 0, "vector"),
  sig("asin", ["vector"], 0, "vector"),
  sig("asinh", ["vector"], 0, "vector"),
  sig("atan", ["vector"], 0, "vector"),
  sig("atanh", ["vector"], 0, "vector"),
  sig("avg_over_time", ["matrix"], 0, "vector"),
  sig("ceil", ["vector"], 0, "vector"),
  sig("changes", ["matrix"], 0, "vector"),
  sig("clamp", ["vector", "scalar", "scalar"], 0, "vector"),
  sig("clamp_max", ["vector", "scalar"], 0, "vector"),
  sig("clamp_min", ["vector", "scalar"], 0, "vector"),
  sig("cos", ["vector"], 0, "vector"),
  sig("cosh", ["vector"], 0, "vector"),
  sig("count_over_time", ["matrix"], 0, "vector"),
  sig("day_of_month", ["vector"], 1, "vector"),
  sig("day_of_week", ["vector"], 1, "vector"),
  sig("day_of_year", ["vector"], 1, "vector"),
  sig("days_in_month", ["vector"], 1, "vector"),
  sig("deg", ["vector"], 0, "vector"),
  sig("delta", ["matrix"], 0, "vector"),
  sig("deriv", ["matrix"], 0, "vector"),
  sig("double_exponential_smoothing", ["matrix", "scalar", "scalar"], 0, "vector", true),
  sig("end", [], 0, "scalar", true),
  sig("exp", ["vector"], 0, "vector"),
  sig("first_over_time", ["matrix"], 0, "vector"),
  sig("floor", ["vector"], 0, "vector"),
  sig("histogram_avg", ["vector"], 0, "vector"),
  sig("histogram_count", ["vector"], 0, "vector"),
  sig("histogram_fraction", ["scalar", "scalar", "vector"], 0, "vector"),
  sig("histogram_quantile", ["scalar", "vector"], 0, "vector"),
  sig("histogram_quantiles", ["vector", "string", "scalar", "scalar"], 9, "vector", true),
  sig("histogram_stddev", ["vector"], 0, "vector"),
  sig("histogram_stdvar", ["vector"], 0, "vector"),
  sig("histogram_sum", ["vector"], 0, "vector"),
  sig("hour", ["vector"], 1, "vector"),
  sig("idelta", ["matrix"], 0, "vector"),
  sig("increase", ["matrix"], 0, "vector"),
  sig("info", ["vector", "vector"], 1, "vector", true),
  sig("irate", ["matrix"], 0, "vector"),
  sig("label_join", ["vector", "string", "string", "string"], -1, "vector"),
  sig("label_replace", ["vector", "string", "string", "string", "string"], 0, "vector"),
  sig("last_over_time", ["matrix"], 0, "vector"),
  sig("ln", ["vector"], 0, "vector"),
  sig("log10", ["vector"], 0, "vector"),
  sig("log2", ["vector"], 0, "vector"),
  sig("mad_over_time", ["matrix"], 0, "vector", true),
  sig("max_of", ["scalar", "scalar"], 0, "scalar", true),
  sig("max_over_time", ["matrix"], 0, "vector"),
  sig("min_of", ["scalar", "scalar"], 0, "scalar", true),
  sig("min_over_time", ["matrix"], 0, "vector"),
  sig("minute", ["vector"], 1, "vector"),
  sig("month", ["vector"], 1, "vector"),
  sig("pi", [], 0, "scalar"),
  sig("predict_linear", ["matrix", "scalar"], 0, "vector"),
  sig("present_over_time", ["matrix"], 0, "vector"),
  sig("quantile_over_time", ["scalar", "matrix"], 0, "vector"),
  sig("rad", ["vector"], 0, "vector"),
  sig("range", [], 0, "scalar", true),
  sig("rate", ["matrix"], 0, "vector"),
  sig("resets", ["matrix"], 0, "vector"),
  sig("round", ["vector", "scalar"], 1, "vector"),
  sig("scalar", ["vector"], 0, "scalar"),
  sig("sgn", ["vector"], 0, "vector"),
  sig("sin", ["vector"], 0, "vector"),
  sig("sinh", ["vector"], 0, "vector"),
  sig("sort", ["vector"], 0, "vector"),
  sig("sort_by_label", ["vector", "string"], -1, "vector", true),
  sig("sort_by_label_desc", ["vector", "string"], -1, "vector", true),
  sig("sort_desc", ["vector"], 0, "vector"),
  sig("sqrt", ["vector"], 0, "vector"),
  sig("start", [], 0, "scalar", true),
  sig("start_timestamp", ["vector"], 0, "vector", true),
  sig("stddev_over_time", ["matrix"], 0, "vector"),
  sig("stdvar_over_time", ["matrix"], 0, "vector"),
  sig("step", [], 0, "scalar", true),
  sig("sum_over_time", ["matrix"], 0, "vector"),
  sig("tan", ["vector"], 0, "vector"),
  sig("tanh", ["vector"], 0, "vector"),
  sig("time", [], 0, "scalar"),
  sig("timestamp", ["vector"], 0, "vector"),
  sig("ts_of_first_over_time", ["matrix"], 0, "vector", true),
  sig("ts_of_last_over_time", ["matrix"], 0, "vector", true),
  sig("ts_of_max_over_time", ["matrix"], 0, "vector", true),
  sig("ts_of_min_over_time", ["matrix"], 0, "vector", true),
  sig("vector", ["scalar"], 0, "vector"),
  sig("year", ["vector"], 1, "vector"),
];

/** Every known function by name. */
export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map(ALL.map((f) => [f.name, f]));

/** The signature of `name`, or undefined when no such function exists. */
export function getFunction(name: string): FunctionDef | undefined {
  return FUNCTIONS.get(name);
}
