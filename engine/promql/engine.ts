/**
 * The PromQL Engine: parses a query, loads the selectors' data through a Querier, evaluates it
 * over the step grid and returns the value with Prometheus-rendered annotations and stats.
 */
import type { FloatHistogram, Labels } from "../model/mod.ts";
import { labelsCompare } from "../model/mod.ts";
import type { Querier } from "../storage/querier.ts";
import type { Expr } from "./parser/mod.ts";
import { children, parseExpr } from "./parser/mod.ts";
import { QueryContext } from "./context.ts";
import { QueryTooComplexError, QueryTypeError } from "./errors.ts";
import { cleanupMetricLabels, Evaluator, unwrapParens } from "./evaluator.ts";
import { prefetch, resolveDurations } from "./prefetch.ts";
import type { Matrix } from "./value.ts";

/** Engine-wide settings. */
export interface EngineOptions {
  /** How far back an instant selector looks for a sample (ms). */
  lookbackDeltaMs: number;
  /** Most samples one query may hold in memory. */
  samplesMax: number;
  /** Query deadline (ms). */
  timeoutMs: number;
  /** Step of subqueries written without one (`[1h:]`), ms. */
  defaultSubqueryStepMs: number;
  /** Maximum AST nesting depth. */
  depthMax: number;
}

/** Per-query overrides. */
export interface QueryOptions {
  lookbackDeltaMs?: number;
  timeoutMs?: number;
  samplesMax?: number;
  signal?: AbortSignal;
  /** Count the queryable samples per step for `stats` (default true). */
  countSamples?: boolean;
}

/** A query's value in API shape. */
export type QueryValue =
  | { type: "scalar"; t: number; v: number }
  | { type: "string"; t: number; v: string }
  | {
    type: "vector";
    samples: { labels: Labels; t: number; v?: number; h?: FloatHistogram }[];
  }
  | {
    type: "matrix";
    series: { labels: Labels; t: number[]; v: number[]; ht?: number[]; h?: FloatHistogram[] }[];
  };

/** A finished query. */
export interface QueryResult {
  value: QueryValue;
  /** Rendered like Prometheus, e.g. `PromQL warning: ... (1:15)`. */
  warnings: string[];
  infos: string[];
  stats: { totalQueryableSamples: number; totalQueryableSamplesPerStep: number[] };
}

/** Defaults as in Prometheus (lookback 5m, subquery step 1m) and our own limits. */
export const DEFAULT_ENGINE_OPTIONS: EngineOptions = Object.freeze({
  lookbackDeltaMs: 300_000,
  samplesMax: 50_000_000,
  timeoutMs: 120_000,
  defaultSubqueryStepMs: 60_000,
  depthMax: 256,
});

/** Evaluates PromQL queries. Stateless between queries; safe to share. */
export class Engine {
  readonly opts: EngineOptions;

  constructor(opts: Partial<EngineOptions> = {}) {
    this.opts = { ...DEFAULT_ENGINE_OPTIONS, ...opts };
  }

  /** Evaluates `expr` at one instant. */
  instantQuery(
    q: Querier,
    expr: string,
    timeMs: number,
    opts: QueryOptions = {},
  ): Promise<QueryResult> {
    return this.#exec(q, expr, timeMs, timeMs, 0, opts);
  }

  /** Evaluates `expr` at every step from start to end (inclusive). */
  rangeQuery(
    q: Querier,
    expr: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    opts: QueryOptions = {},
  ): Promise<QueryResult> {
    if (!(stepMs > 0)) throw new RangeError("BUG: range query step must be positive");
    return this.#exec(q, expr, startMs, endMs, stepMs, opts);
  }

  async #exec(
    q: Querier,
    text: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    opts: QueryOptions,
  ): Promise<QueryResult> {
    const root = parseExpr(text);
    checkDepth(root, this.opts.depthMax);
    if (stepMs > 0 && root.valueType !== "scalar" && root.valueType !== "vector") {
      const doc = root.valueType === "matrix" ? "range vector" : root.valueType;
      throw new QueryTypeError(
        `invalid expression type "${doc}" for range query, must be Scalar or instant Vector`,
      );
    }
    const ctx = new QueryContext(
      startMs,
      endMs,
      stepMs,
      opts.lookbackDeltaMs ?? this.opts.lookbackDeltaMs,
      opts.samplesMax ?? this.opts.samplesMax,
      this.opts.defaultSubqueryStepMs,
      Date.now() + (opts.timeoutMs ?? this.opts.timeoutMs),
      opts.signal,
    );
    ctx.countSamples = opts.countSamples ?? true;
    ctx.checkDoneNow();
    resolveDurations(ctx, root);
    await prefetch(ctx, q, root);
    ctx.checkDoneNow();
    const instant = stepMs === 0;
    const ev = new Evaluator(ctx, startMs, endMs, instant ? 1 : stepMs, true);
    const raw = ev.eval(root);
    const { warnings, infos } = ctx.annos.render(text);
    const perStep = Array.from(ctx.perStep);
    const stats = {
      totalQueryableSamples: perStep.reduce((a, b) => a + b, 0),
      totalQueryableSamplesPerStep: perStep,
    };
    if (!Array.isArray(raw)) {
      return { value: { type: "string", t: startMs, v: raw.v }, warnings, infos, stats };
    }
    const m = cleanupMetricLabels(raw);
    const type = root.valueType;
    if (instant && type === "scalar") {
      const v = m.length > 0 && m[0].fV.length > 0 ? m[0].fV[0] : NaN;
      return { value: { type: "scalar", t: startMs, v }, warnings, infos, stats };
    }
    if (instant && type === "vector") {
      const samples = m.map((s) =>
        s.hV.length > 0
          ? { labels: s.metric, t: startMs, h: s.hV[0] }
          : { labels: s.metric, t: startMs, v: s.fV[0] }
      );
      return { value: { type: "vector", samples }, warnings, infos, stats };
    }
    return { value: { type: "matrix", series: toSeries(m) }, warnings, infos, stats };
  }
}

function toSeries(m: Matrix): Extract<QueryValue, { type: "matrix" }>["series"] {
  const sorted = m.slice().sort((a, b) => labelsCompare(a.metric, b.metric));
  return sorted.map((s) => {
    const out: { labels: Labels; t: number[]; v: number[]; ht?: number[]; h?: FloatHistogram[] } = {
      labels: s.metric,
      t: s.fT,
      v: s.fV,
    };
    if (s.hT.length > 0) {
      out.ht = s.hT;
      out.h = s.hV;
    }
    return out;
  });
}

function checkDepth(root: Expr, max: number): void {
  const rec = (e: Expr, d: number): void => {
    if (d > max) {
      throw new QueryTooComplexError(`query is too deeply nested: exceeds maximum depth ${max}`);
    }
    for (const c of children(e)) rec(c, d + 1);
  };
  rec(root, 1);
}

export { unwrapParens };
