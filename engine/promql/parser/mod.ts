/** PromQL parser: `parseExpr` (text -> typed AST), `formatExpr` (AST -> canonical text). */

export type * from "./ast.ts";
export { children, walk } from "./ast.ts";
export type { FunctionDef } from "./functions.ts";
export { FUNCTIONS, getFunction } from "./functions.ts";
export type { ParseErrorDetail } from "./errors.ts";
export { positionString, PromQLParseError } from "./errors.ts";
export type { ParseOptions } from "./parser.ts";
export { parseExpr } from "./parser.ts";
export { formatExpr } from "./printer.ts";
