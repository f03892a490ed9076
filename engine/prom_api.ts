/**
 * The Prometheus HTTP API's domain logic for one workspace: instant and range queries with AMP's
 * limits (11,000 points per series, 95-day range, query series and samples), series, label names
 * and values, metadata, exemplars, TSDB status, format_query and parse_query. Routes parse HTTP
 * parameters and format JSON; everything else is here.
 */
import type { Exemplar, Labels, Matcher } from "./model/mod.ts";
import { labelsCompare, labelsKey } from "./model/mod.ts";
import type { Querier, SelectHints, SeriesData } from "./storage/querier.ts";
import type { HeadStats } from "./storage/mod.ts";
import {
  DEFAULT_ENGINE_OPTIONS,
  Engine as PromqlEngine,
  type EngineOptions,
  parseExpr,
  PromQLParseError,
  QueryExecutionError,
  type QueryResult,
} from "./promql/mod.ts";
import type { Expr, VectorSelector } from "./promql/parser/mod.ts";
import { children, prettifyExpr } from "./promql/parser/mod.ts";

/** A request parameter or query that cannot be used: HTTP 400, errorType `bad_data`. */
export class BadDataError extends RangeError {
  override name = "BadDataError";
}

/** A workspace that does not exist (or is being deleted): HTTP 404, errorType `not_found`. */
export class WorkspaceNotFoundError extends Error {
  override name = "WorkspaceNotFoundError";
}

/** Too many requests for a workspace's API class: HTTP 429 with Retry-After. */
export class QueryThrottledError extends Error {
  override name = "QueryThrottledError";
  constructor(readonly retryAfterSeconds: number) {
    super("Rate exceeded");
  }
}

/** What the query API reads from a workspace's store. */
export interface QueryTarget {
  querier(): Querier;
  metadata(metric?: string, limit?: number, limitPerMetric?: number): Record<
    string,
    { type: string; help: string; unit: string }[]
  >;
  exemplars(
    selectors: readonly (readonly Matcher[])[],
    minT: number,
    maxT: number,
  ): { seriesLabels: Labels; exemplars: Exemplar[] }[];
  stats(limit?: number): TsdbStatus;
}

/** `status/tsdb` content: the storage's head statistics. */
export type TsdbStatus = HeadStats;

/** Limits of the query API (AMP quotas unless noted). */
export interface QueryApiLimits {
  /** Prometheus: at most 11,000 points per series in a range query. */
  pointsPerSeriesMax: number;
  /** AMP: query time range at most 95 days (QueryMetrics, GetSeries, GetLabels). */
  queryRangeMaxMs: number;
  /** AMP: query series fetched, 12,000,000 per query. */
  seriesFetchedMax: number;
}

/** AMP's defaults. */
export const QUERY_API_LIMITS: QueryApiLimits = Object.freeze({
  pointsPerSeriesMax: 11_000,
  queryRangeMaxMs: 95 * 24 * 3600 * 1000,
  seriesFetchedMax: 12_000_000,
});

/** Options of one query request. */
export interface QueryRequestOptions {
  timeoutMs?: number;
  lookbackDeltaMs?: number;
  /** Maximum series in the result (0 = no limit); more are dropped with a warning. */
  limit?: number;
  /** AMP's `max_samples_processed_warning_threshold`: warn above this many samples (0 = none). */
  samplesWarningThreshold?: number;
  /** AMP's `max_samples_processed_error_threshold`: reject above this many samples (0 = none). */
  samplesErrorThreshold?: number;
  signal?: AbortSignal;
  /**
   * Whether the result's sample statistics are wanted (default true); they are counted anyway
   * when a samples threshold is set.
   */
  stats?: boolean;
}

/** Instant/range query result with timing for `stats=all`. */
export interface QueryOutcome extends QueryResult {
  /** Step timestamps (ms) matching `stats.totalQueryableSamplesPerStep`. */
  stepTimes: number[];
  timings: {
    evalTotalTime: number;
    queryPreparationTime: number;
    innerEvalTime: number;
    execTotalTime: number;
  };
}

/** Earliest and latest representable times, as Prometheus's API defaults (ms). */
export const MIN_TIME_MS = -9223372036854776;
/** Latest representable time (ms). */
export const MAX_TIME_MS = 9223372036854776;

/** The query API over workspaces; one per service. */
export class QueryApi {
  readonly promql: PromqlEngine;
  readonly limits: QueryApiLimits;

  readonly #timeoutMs: number;

  constructor(engineOpts: Partial<EngineOptions> = {}, limits: Partial<QueryApiLimits> = {}) {
    this.promql = new PromqlEngine(engineOpts);
    this.#timeoutMs = engineOpts.timeoutMs ?? DEFAULT_ENGINE_OPTIONS.timeoutMs;
    this.limits = { ...QUERY_API_LIMITS, ...limits };
  }

  /** `/api/v1/query`. */
  async instantQuery(
    target: QueryTarget,
    expr: string,
    timeMs: number,
    opts: QueryRequestOptions = {},
  ): Promise<QueryOutcome> {
    const querier = this.#countingQuerier(target.querier());
    const started = performance.now();
    const res = await queryParamErrors(() =>
      this.promql.instantQuery(querier, expr, timeMs, engineOptions(opts, this.#timeoutMs))
    );
    return finish(res, [timeMs], started, opts);
  }

  /** `/api/v1/query_range`: validates the range and resolution first. */
  async rangeQuery(
    target: QueryTarget,
    expr: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    opts: QueryRequestOptions = {},
  ): Promise<QueryOutcome> {
    if (endMs < startMs) {
      throw new BadDataError(
        'invalid parameter "end": end timestamp must not be before start time',
      );
    }
    if (stepMs <= 0) {
      throw new BadDataError(
        'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    }
    if ((endMs - startMs) / stepMs > this.limits.pointsPerSeriesMax) {
      throw new BadDataError(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
      );
    }
    this.checkRange(startMs, endMs);
    const querier = this.#countingQuerier(target.querier());
    const started = performance.now();
    const res = await this.promql.rangeQuery(
      querier,
      expr,
      startMs,
      endMs,
      stepMs,
      engineOptions(opts, this.#timeoutMs),
    );
    const steps: number[] = [];
    for (let t = startMs; t <= endMs; t += stepMs) steps.push(t);
    return finish(res, steps, started, opts);
  }

  /** Rejects a time range longer than AMP's 95 days with Cortex's wording. */
  checkRange(startMs: number, endMs: number): void {
    if (startMs <= MIN_TIME_MS || endMs >= MAX_TIME_MS) return; // open-ended metadata queries
    if (endMs - startMs > this.limits.queryRangeMaxMs) {
      throw new BadDataError(
        `the query time range exceeds the limit (query length: ${
          goDuration(endMs - startMs)
        }, limit: ${goDuration(this.limits.queryRangeMaxMs)})`,
      );
    }
  }

  /**
   * The start of a series or labels request: AMP limits their time range to 95 days too, but like
   * Cortex/Mimir's labels query length it narrows the range (keeping the end) instead of failing.
   */
  clampStart(startMs: number, endMs: number): number {
    if (endMs >= MAX_TIME_MS || endMs <= MIN_TIME_MS) return startMs;
    return Math.max(startMs, endMs - this.limits.queryRangeMaxMs);
  }

  /** `/api/v1/series`: label sets of series matching any selector with samples in range. */
  async series(
    target: QueryTarget,
    selectors: Matcher[][],
    startMs: number,
    endMs: number,
    limit = 0,
  ): Promise<
    { series: Labels[]; warnings: string[] }
  > {
    startMs = this.clampStart(startMs, endMs);
    const q = target.querier();
    const seen = new Map<string, Labels>();
    for (const ms of selectors) {
      for (const s of await selectSeries(q, ms, { minT: startMs, maxT: endMs })) {
        seen.set(labelsKey(s), s);
      }
    }
    const all = [...seen.values()].sort(labelsCompare);
    return truncated(all, limit);
  }

  /** `/api/v1/labels`. */
  labelNames(
    target: QueryTarget,
    selectors: Matcher[][],
    startMs: number,
    endMs: number,
    limit = 0,
  ): Promise<{ values: string[]; warnings: string[] }> {
    return this.#unionOverSelectors(
      target,
      selectors,
      startMs,
      endMs,
      limit,
      (q, ms, h) => q.labelNames(ms, h),
    );
  }

  /** `/api/v1/label/{name}/values`. */
  labelValues(
    target: QueryTarget,
    name: string,
    selectors: Matcher[][],
    startMs: number,
    endMs: number,
    limit = 0,
  ): Promise<{ values: string[]; warnings: string[] }> {
    return this.#unionOverSelectors(
      target,
      selectors,
      startMs,
      endMs,
      limit,
      (q, ms, h) => q.labelValues(name, ms, h),
    );
  }

  /** Sorted union of `read` over every selector (all series when none), truncated to `limit`. */
  async #unionOverSelectors(
    target: QueryTarget,
    selectors: Matcher[][],
    startMs: number,
    endMs: number,
    limit: number,
    read: (q: Querier, matchers: Matcher[], hints: SelectHints) => Promise<string[]>,
  ): Promise<{ values: string[]; warnings: string[] }> {
    const hints = { minT: this.clampStart(startMs, endMs), maxT: endMs };
    const q = target.querier();
    const out = new Set<string>();
    for (const ms of selectors.length === 0 ? [[]] : selectors) {
      for (const v of await read(q, ms, hints)) {
        out.add(v);
      }
    }
    const { series, warnings } = truncated([...out].sort(), limit);
    return { values: series, warnings };
  }

  /** `/api/v1/query_exemplars`: exemplars of the series the query's selectors select (null: none). */
  exemplars(target: QueryTarget, expr: string, startMs: number, endMs: number): {
    seriesLabels: Labels;
    exemplars: Exemplar[];
  }[] | null {
    if (endMs < startMs) {
      throw new BadDataError("end timestamp must not be before start timestamp");
    }
    let ast: Expr;
    try {
      ast = parseExpr(expr);
    } catch (e) {
      // Prometheus's exemplar endpoint reports parse errors without the parameter prefix.
      if (e instanceof PromQLParseError) throw new BadDataError(e.message);
      throw e;
    }
    const selectors: Matcher[][] = [];
    const visit = (e: Expr) => {
      if (e.kind === "VectorSelector") selectors.push((e as VectorSelector).matchers);
      for (const c of children(e)) visit(c);
    };
    visit(ast);
    if (selectors.length === 0) return null;
    return target.exemplars(selectors, startMs, endMs);
  }

  /** `/api/v1/format_query`. */
  formatQuery(expr: string): string {
    return prettifyExpr(parseQueryParam(expr));
  }

  /** Wraps a querier so the number of series fetched by one query is limited (AMP: 12M). */
  #countingQuerier(q: Querier): Querier {
    const max = this.limits.seriesFetchedMax;
    let fetched = 0;
    return {
      async select(matchers, hints) {
        const out = await q.select(matchers, hints);
        fetched += out.length;
        if (fetched > max) {
          throw new QueryExecutionError(
            `the query hit the max number of series limit (limit: ${max} series)`,
          );
        }
        return out;
      },
      labelNames: (m, h) => q.labelNames(m, h),
      labelValues: (n, m, h) => q.labelValues(n, m, h),
    };
  }
}

/** Runs a query, prefixing parse errors with `invalid parameter "query": ` as Prometheus's API does. */
async function queryParamErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof PromQLParseError) {
      throw new BadDataError(`invalid parameter "query": ${e.message}`);
    }
    throw e;
  }
}

/** Parses a `query` parameter, prefixing parse errors as Prometheus's API does. */
export function parseQueryParam(expr: string): Expr {
  try {
    return parseExpr(expr);
  } catch (e) {
    if (e instanceof PromQLParseError) {
      throw new BadDataError(`invalid parameter "query": ${e.message}`);
    }
    throw e;
  }
}

/**
 * Parses one `match[]` series selector into its matchers. Whether one matcher must not match the
 * empty string is checked by the caller, as Prometheus's API does after parsing.
 */
export function parseSeriesSelector(s: string): Matcher[] {
  let ast: Expr;
  try {
    ast = parseExpr(s);
  } catch (e) {
    if (e instanceof PromQLParseError) {
      // The expression parser rejects `{x=""}` itself; Prometheus's selector parser accepts it
      // and its API then answers with this text.
      if (e.message.endsWith("vector selector must contain at least one non-empty matcher")) {
        throw new BadDataError("match[] must contain at least one non-empty matcher");
      }
      throw new BadDataError(e.message);
    }
    throw e;
  }
  while (ast.kind === "ParenExpr") ast = (ast as { expr: Expr }).expr;
  if (ast.kind !== "VectorSelector") {
    throw new BadDataError(`1:1: parse error: expected series selector, got ${ast.kind}`);
  }
  const sel = ast as VectorSelector;
  if (sel.offsetMs !== 0 || sel.at || sel.offsetExpr) {
    throw new BadDataError("1:1: parse error: series selectors may not have offset or @ modifiers");
  }
  return sel.matchers;
}

async function selectSeries(
  q: Querier,
  matchers: Matcher[],
  hints: SelectHints,
): Promise<Labels[]> {
  const withSeries = q as Querier & {
    series?: (m: readonly Matcher[], h: SelectHints) => Promise<Labels[]>;
  };
  if (withSeries.series) return await withSeries.series(matchers, hints);
  const data: SeriesData[] = await q.select(matchers, hints);
  return data.filter((s) => s.t.length > 0 || (s.ht?.length ?? 0) > 0).map((s) => s.labels);
}

/** Per-query engine options; a request's timeout can only shorten the service's. */
function engineOptions(o: QueryRequestOptions, serviceTimeoutMs: number) {
  const out: {
    timeoutMs?: number;
    lookbackDeltaMs?: number;
    signal?: AbortSignal;
    countSamples?: boolean;
  } = {};
  out.countSamples = o.stats !== false || (o.samplesWarningThreshold ?? 0) > 0 ||
    (o.samplesErrorThreshold ?? 0) > 0;
  if (o.timeoutMs !== undefined) out.timeoutMs = Math.min(o.timeoutMs, serviceTimeoutMs);
  // As Prometheus, a zero or negative lookback delta means the default.
  if (o.lookbackDeltaMs !== undefined && o.lookbackDeltaMs > 0) {
    out.lookbackDeltaMs = o.lookbackDeltaMs;
  }
  if (o.signal) out.signal = o.signal;
  return out;
}

function finish(
  res: QueryResult,
  stepTimes: number[],
  started: number,
  opts: QueryRequestOptions,
): QueryOutcome {
  const total = (performance.now() - started) / 1000;
  const warnings = [...res.warnings];
  const limit = opts.limit ?? 0;
  const processed = res.stats.totalQueryableSamples;
  const errorAt = opts.samplesErrorThreshold ?? 0;
  if (errorAt > 0 && processed > errorAt) {
    throw new QueryExecutionError(
      `query processed ${processed} samples, more than max_samples_processed_error_threshold (${errorAt}); the query was rejected`,
    );
  }
  const warnAt = opts.samplesWarningThreshold ?? 0;
  if (warnAt > 0 && processed > warnAt) {
    warnings.push(
      `query processed ${processed} samples, more than max_samples_processed_warning_threshold (${warnAt})`,
    );
  }
  const v = res.value;
  if (limit > 0) {
    if (v.type === "vector" && v.samples.length > limit) {
      v.samples.length = limit;
      warnings.push("results truncated due to limit");
    } else if (v.type === "matrix" && v.series.length > limit) {
      v.series.length = limit;
      warnings.push("results truncated due to limit");
    }
  }
  return {
    ...res,
    warnings,
    stepTimes,
    timings: {
      evalTotalTime: total,
      queryPreparationTime: 0,
      innerEvalTime: total,
      execTotalTime: total,
    },
  };
}

function truncated<T>(all: T[], limit: number): { series: T[]; warnings: string[] } {
  if (limit > 0 && all.length > limit) {
    return { series: all.slice(0, limit), warnings: ["results truncated due to limit"] };
  }
  return { series: all, warnings: [] };
}

/** Go's time.Duration String() for whole milliseconds, e.g. "2280h0m0s". */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  const neg = ms < 0;
  let rest = Math.abs(ms);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  let out = "";
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  out += `${s}s`;
  return (neg ? "-" : "") + out;
}
