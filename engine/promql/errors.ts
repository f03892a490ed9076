/**
 * Typed PromQL errors. Each maps to one HTTP status / Prometheus errorType in the API layer;
 * messages match Prometheus word for word.
 */

/** A query that failed while it was evaluated (HTTP 422, errorType "execution"). */
export class QueryExecutionError extends Error {
  override name = "QueryExecutionError";
}

/** The query ran past its deadline (HTTP 503, errorType "timeout"). */
export class QueryTimeoutError extends Error {
  override name = "QueryTimeoutError";
  constructor(env = "expression evaluation") {
    super(`query timed out in ${env}`);
  }
}

/** The caller aborted the query (HTTP 499, errorType "canceled"). */
export class QueryCanceledError extends Error {
  override name = "QueryCanceledError";
  constructor(env = "expression evaluation") {
    super(`query was canceled in ${env}`);
  }
}

/** The query would hold more samples in memory than allowed (HTTP 422, errorType "execution"). */
export class TooManySamplesError extends RangeError {
  override name = "TooManySamplesError";
  constructor(env = "query execution") {
    super(`query processing would load too many samples into memory in ${env}`);
  }
}

/** The query's AST is nested deeper than the engine allows (HTTP 400, errorType "bad_data"). */
export class QueryTooComplexError extends SyntaxError {
  override name = "QueryTooComplexError";
}

/** A range query over an expression that is not a scalar or instant vector (HTTP 400 bad_data). */
export class QueryTypeError extends SyntaxError {
  override name = "QueryTypeError";
}
