/**
 * Running one eval of a promqltest script against an engine: the query (instant or range), the
 * expected-failure, annotation and value checks of FORMAT.md section 6, upstream's range-mode
 * re-check and its `@` step-invariance re-runs.
 */
import type { FloatHistogram } from "../../engine/model/histogram.ts";
import { type Labels, labelsString } from "../../engine/model/labels.ts";
import type { Querier } from "../../engine/storage/querier.ts";
import { atModifierVariants } from "./at_check.ts";
import {
  checkAnnotations,
  checkExpectedFailure,
  compareResult,
  matrixSortError,
  type ResultValue,
} from "./compare.ts";
import { type EvalCmd, isFail, isOrdered } from "./test_file.ts";

/** What a query returns, structurally identical to `QueryResult` of engine/promql/mod.ts. */
export interface RunnerQueryResult {
  value: ResultValue;
  warnings: string[];
  infos: string[];
}

/** The part of `Engine` the runner uses. */
export interface RunnerEngine {
  instantQuery(q: Querier, expr: string, timeMs: number): Promise<RunnerQueryResult>;
  rangeQuery(
    q: Querier,
    expr: string,
    startMs: number,
    endMs: number,
    stepMs: number,
  ): Promise<RunnerQueryResult>;
}

/** Engine settings the upstream suite assumes (FORMAT.md section 7). */
export const CORPUS_ENGINE_OPTIONS = {
  lookbackDeltaMs: 300_000,
  samplesMax: 10_000,
  timeoutMs: 100_000,
  defaultSubqueryStepMs: 60_000,
};

/** Why an eval was not run. */
export type SkipReason = "native histograms" | "start timestamps" | "ignored";

/** The outcome of one eval. */
export interface EvalOutcome {
  line: number;
  expr: string;
  status: "passed" | "failed" | "skipped";
  /** Failure text or skip reason. */
  reason?: string;
  /** For skipped evals run with `runSkipped`: whether they would pass, or crashed. */
  wouldPass?: boolean;
  crashed?: boolean;
  /** For failures: the eval as written and what the engine returned. */
  source?: string;
  got?: string;
}

/** Per-file totals and outcomes. */
export interface FileReport {
  file: string;
  /** "corpus" for the upstream files, "own" for tests/promql/testdata. */
  source?: "corpus" | "own";
  passed: number;
  failed: number;
  skipped: number;
  /** Skips by reason. */
  skippedBy: Record<string, number>;
  outcomes: EvalOutcome[];
  /** Set when the file could not be parsed (every eval then counts as failed). */
  parseError?: string;
}

/** Runner switches. */
export interface RunOptions {
  /** Run FORMAT.md 6.2's range-mode re-check (default true). */
  rangeCheck?: boolean;
  /** Run upstream's `@` step-invariance re-runs of instant evals (default true). */
  atCheck?: boolean;
  /** Also run native-histogram evals (still counted as skipped) to see what would pass. */
  runSkipped?: boolean;
  /** Only run the evals starting on these lines (loads and clears always run). */
  onlyLines?: ReadonlySet<number>;
}

const RE_QUERY_CONTEXT_FUNCS = /(start|end|range|step)\(\)/;

/** Runs one eval against the loaded storage. */
export async function runEval(
  ev: EvalCmd,
  storage: Querier,
  engine: RunnerEngine,
  opts: RunOptions = {},
): Promise<EvalOutcome> {
  const passed: EvalOutcome = { line: ev.line, expr: ev.expr, status: "passed" };
  if (ev.isRange) {
    const r = await runQuery(ev, ev.expr, ev.evalMs, storage, engine, opts);
    return r ? { line: ev.line, expr: ev.expr, source: ev.source, status: "failed", ...r } : passed;
  }
  const queries = [{ expr: ev.expr, evalMs: ev.evalMs }];
  if (opts.atCheck !== false) queries.push(...atModifierVariants(ev.expr, ev.evalMs));
  for (let i = 0; i < queries.length; i++) {
    const q = queries[i];
    const r = await runQuery(ev, q.expr, q.evalMs, storage, engine, opts);
    if (!r) continue;
    const where = i === 0 ? "" : `@ step-invariance re-run "${q.expr}" at ${q.evalMs}ms: `;
    return {
      line: ev.line,
      expr: ev.expr,
      source: ev.source,
      status: "failed",
      reason: where + r.reason,
      got: r.got,
    };
  }
  return passed;
}

/** Runs one query of an eval (range, or instant at `evalMs`); returns the failure, if any. */
async function runQuery(
  ev: EvalCmd,
  expr: string,
  evalMs: number,
  storage: Querier,
  engine: RunnerEngine,
  opts: RunOptions,
): Promise<{ reason: string; got?: string } | undefined> {
  const fail = (reason: string, got?: string) => ({ reason, got });
  let res: RunnerQueryResult;
  try {
    res = ev.isRange
      ? await engine.rangeQuery(storage, expr, ev.startMs, ev.endMs, ev.stepMs)
      : await engine.instantQuery(storage, expr, evalMs);
  } catch (e) {
    const msg = errorText(e);
    if (isFail(ev)) {
      const err = checkExpectedFailure(ev, msg);
      return err ? fail(err, `error: ${msg}`) : undefined;
    }
    return fail(`error evaluating query: ${msg}`, `error: ${msg}`);
  }
  const got = () => formatResult(res);
  if (isFail(ev)) return fail("expected error evaluating query but got none", got());
  const anno = checkAnnotations(ev, res.warnings, res.infos);
  if (anno) return fail(anno, got());
  const cmp = compareResult(ev, res.value);
  if (cmp) return fail(cmp, got());
  if (ev.isRange || ev.excludeFromRangeQuery || opts.rangeCheck === false) return undefined;
  if (RE_QUERY_CONTEXT_FUNCS.test(expr)) return undefined;
  let rr: RunnerQueryResult;
  try {
    rr = await engine.rangeQuery(storage, expr, evalMs - 60_000, evalMs + 60_000, 60_000);
  } catch (e) {
    return fail(`error evaluating query in range mode: ${errorText(e)}`, got());
  }
  if (isOrdered(ev)) return undefined;
  if (rr.value.type !== "matrix") {
    return fail(`range mode: expected a matrix, got ${rr.value.type}`, formatResult(rr));
  }
  const unsorted = matrixSortError(rr.value.series);
  if (unsorted) return fail(`range mode: ${unsorted}`, formatResult(rr));
  const samples: { labels: Labels; t: number; v?: number; h?: FloatHistogram }[] = [];
  for (const s of rr.value.series) {
    const i = s.t.indexOf(evalMs);
    if (i >= 0) samples.push({ labels: s.labels, t: evalMs, v: s.v[i] });
    const j = s.ht ? s.ht.indexOf(evalMs) : -1;
    if (j >= 0) samples.push({ labels: s.labels, t: evalMs, h: s.h![j] });
  }
  let err: string | undefined;
  if (res.value.type === "scalar") {
    err = samples.length === 0
      ? "no point at the evaluation time for a scalar result"
      : compareResult(ev, { type: "scalar", t: evalMs, v: samples[0].v ?? NaN });
  } else {
    err = compareResult(ev, { type: "vector", samples });
  }
  return err ? fail(`range mode: ${err}`, formatResult(rr)) : undefined;
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const crash = e instanceof TypeError || e instanceof ReferenceError ||
      e.message.startsWith("BUG:");
    return crash ? `${e.name}: ${e.message} [crash]` : e.message;
  }
  return String(e);
}

function fmtNum(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Text form of a query result, for failure reports. */
export function formatResult(r: RunnerQueryResult): string {
  const lines: string[] = [];
  const v = r.value;
  switch (v.type) {
    case "scalar":
      lines.push(`scalar ${fmtNum(v.v)}`);
      break;
    case "string":
      lines.push(`string ${JSON.stringify(v.v)}`);
      break;
    case "vector":
      lines.push(`vector (${v.samples.length})`);
      for (const s of v.samples) {
        lines.push(`  ${labelsString(s.labels)} ${s.h ? "{{histogram}}" : fmtNum(s.v ?? NaN)}`);
      }
      break;
    case "matrix":
      lines.push(`matrix (${v.series.length})`);
      for (const s of v.series) {
        const pts = s.t.map((t, i) => `${fmtNum(s.v[i])}@${t}`).join(" ");
        const hs = s.ht?.length ? ` +${s.ht.length} histograms` : "";
        lines.push(`  ${labelsString(s.labels)} ${pts}${hs}`);
      }
      break;
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  for (const i of r.infos) lines.push(`  info: ${i}`);
  return lines.join("\n");
}
