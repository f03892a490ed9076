/** PromQL parser: `parseExpr` (text -> typed AST), `formatExpr` / `prettifyExpr` (AST -> text). */

export type * from "./ast.ts";
export { children, walk } from "./ast.ts";
export type { FunctionDef } from "./functions.ts";
export { FUNCTIONS, getFunction } from "./functions.ts";
export type { ParseErrorDetail } from "./errors.ts";
export { positionString, PromQLParseError } from "./errors.ts";
export type { ParseOptions } from "./parser.ts";
export { PARSE_DEPTH_MAX, parseExpr, parseMetricSelector } from "./parser.ts";
export type { PrettifyOptions } from "./printer.ts";
export { formatExpr, prettifyExpr } from "./printer.ts";
export { documentedType } from "./check.ts";
export { formatDurationMs, parseDurationMs } from "./literals.ts";
export type { Json } from "./ast_json.ts";
export { astToJson } from "./ast_json.ts";
