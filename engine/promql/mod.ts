/** PromQL: the Engine (parse, load, evaluate) plus the parser's AST and printer. */
export { DEFAULT_ENGINE_OPTIONS, Engine } from "./engine.ts";
export type { EngineOptions, QueryOptions, QueryResult, QueryValue } from "./engine.ts";
export {
  QueryCanceledError,
  QueryExecutionError,
  QueryTimeoutError,
  QueryTooComplexError,
  QueryTypeError,
  TooManySamplesError,
} from "./errors.ts";
export { formatExpr, parseExpr, PromQLParseError } from "./parser/mod.ts";
