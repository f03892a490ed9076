/**
 * Per-query evaluation state shared by the evaluator and its child evaluators (subqueries):
 * loaded selector data, annotations, limits, cancellation and stats.
 */
import type { SeriesData } from "../storage/querier.ts";
import type { Call, DurationExpr, Expr, VectorSelector } from "./parser/mod.ts";
import { Annotations } from "./annotations.ts";
import {
  QueryCanceledError,
  QueryExecutionError,
  QueryTimeoutError,
  TooManySamplesError,
} from "./errors.ts";

/** Everything one query's evaluation shares. */
export class QueryContext {
  /** Series loaded for each selector node. */
  readonly data = new Map<VectorSelector, SeriesData[]>();
  /** Candidate info series for each info() call. */
  readonly infoData = new Map<Call, SeriesData[]>();
  /** Resolved duration expressions (ms) by node: range, offset, step. */
  readonly durations = new Map<Expr, number>();
  readonly annos = new Annotations();
  /** Samples currently held (approximation of Prometheus's peak accounting). */
  currentSamples = 0;
  /** Total queryable samples per top-level step. */
  readonly perStep: Float64Array;
  /** Whether `perStep` is filled (off when nobody asked for the statistics). */
  countSamples = true;
  #checks = 0;

  constructor(
    readonly startMs: number,
    readonly endMs: number,
    readonly stepMs: number,
    readonly lookbackMs: number,
    readonly samplesMax: number,
    readonly defaultSubqueryStepMs: number,
    readonly deadlineMs: number,
    readonly signal: AbortSignal | undefined,
  ) {
    const steps = stepMs > 0 ? Math.floor((endMs - startMs) / stepMs) + 1 : 1;
    this.perStep = new Float64Array(steps);
  }

  /** Throws on timeout or cancellation; cheap enough to call per series. */
  checkDone(): void {
    if ((++this.#checks & 63) !== 0) return;
    this.checkDoneNow();
  }

  /** Unconditional timeout / cancellation check. */
  checkDoneNow(): void {
    if (this.signal?.aborted) throw new QueryCanceledError();
    if (Date.now() > this.deadlineMs) throw new QueryTimeoutError();
  }

  /** Adds `n` held samples and enforces the limit. */
  addSamples(n: number): void {
    this.currentSamples += n;
    if (this.currentSamples > this.samplesMax) throw new TooManySamplesError();
  }

  /** Adds `n` queryable samples at top-level evaluation time `t` (ignored off-grid). */
  addStat(t: number, n: number): void {
    const k = this.stepMs > 0 ? Math.round((t - this.startMs) / this.stepMs) : 0;
    if (k >= 0 && k < this.perStep.length) this.perStep[k] += n;
  }

  /** Resolved value (ms) of a range/offset/step duration, falling back to the literal. */
  duration(_node: Expr, literalMs: number, expr: DurationExpr | undefined): number {
    if (!expr) return literalMs;
    const v = this.durations.get(expr);
    return v === undefined ? literalMs : v;
  }
}

/** An execution error with Prometheus's text. */
export function execError(msg: string): never {
  throw new QueryExecutionError(msg);
}
