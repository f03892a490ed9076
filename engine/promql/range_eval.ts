/**
 * Range-vector function calls (`rate(x[5m])`, `max_over_time(q[1h:1m])`, ...): series at a time,
 * one kernel call per series over all steps (the WASM kernels, chosen by range_backend.ts, with
 * the TS kernels of functions/range_kernels.ts as oracle and fallback), plus the evaluator-side
 * parts: absent_over_time, histogram-aware last/first/count/present, name dropping and the
 * "might not be a counter" info.
 */
import type { FloatHistogram, Labels } from "../model/mod.ts";
import { labelsGet, METRIC_NAME } from "../model/mod.ts";
import type { Call, MatrixSelector, SubqueryExpr } from "./parser/mod.ts";
import { ANNO } from "./annotations.ts";
import { execError } from "./context.ts";
import type { Evaluator } from "./evaluator.ts";
import { unwrapParens } from "./evaluator.ts";
import { absentLabels } from "./functions/instant.ts";
import { RangeKernelError, type RangeWindows } from "./functions/range_kernels.ts";
import { wasmOrTs } from "./range_backend.ts";
import { wasmKernelParts } from "../../wasm/mod.ts";
import type { SeriesData, SeriesPart } from "../storage/querier.ts";
import { histogramsWithoutStale, lastLE, withoutStale } from "./selectors.ts";
import { type Matrix, newSeries } from "./value.ts";
import { rangeWithHistograms } from "./range_histogram.ts";

const ANCHORED_SAFE = ["changes", "delta", "increase", "rate", "resets"];
const SMOOTHED_SAFE = ["delta", "increase", "rate"];

/** Functions that also accept histogram samples in this evaluator. */
const HISTOGRAM_AWARE = new Set([
  "count_over_time",
  "present_over_time",
  "last_over_time",
  "first_over_time",
  "ts_of_last_over_time",
  "ts_of_first_over_time",
  "absent_over_time",
]);

interface InputSeries {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
  ht: readonly number[];
  h: readonly FloatHistogram[];
  dropName: boolean;
  /** The float samples as ordered parts (SeriesData.parts), for kernels that take them. */
  parts?: readonly SeriesPart[];
}

const NO_TIMES: readonly number[] = Object.freeze([]);
const NO_HISTOGRAMS: readonly FloatHistogram[] = Object.freeze([]);

/** A float-only series without NaNs read as parts: `t`/`v` are joined only if something reads them. */
class PartsInput implements InputSeries {
  readonly ht = NO_TIMES;
  readonly h = NO_HISTOGRAMS;
  readonly dropName = false;
  readonly labels: Labels;
  readonly parts: readonly SeriesPart[] | undefined;

  constructor(readonly sd: SeriesData) {
    this.labels = sd.labels;
    this.parts = sd.parts;
  }

  get t(): Float64Array {
    return this.sd.t;
  }

  get v(): Float64Array {
    return this.sd.v;
  }
}

/** Evaluates a call whose argument `mi` is a matrix selector or a subquery. */
export function evalRangeFunction(ev: Evaluator, e: Call, mi: number): Matrix {
  const name = e.func.name;
  const arg = unwrapParens(e.args[mi]) as MatrixSelector | SubqueryExpr;
  const ctx = ev.ctx;
  let inputs: InputSeries[];
  let offset: number, range: number, at: number | undefined;
  let mode: "default" | "anchored" | "smoothed" = "default";
  if (arg.kind === "MatrixSelector") {
    const vs = arg.vectorSelector;
    offset = ctx.duration(vs, vs.offsetMs, vs.offsetExpr);
    range = ctx.duration(arg, arg.rangeMs, arg.rangeExpr);
    at = ev.atTime(vs.at);
    if (vs.anchored) {
      mode = "anchored";
      if (!ANCHORED_SAFE.includes(name)) {
        execError(
          `anchored modifier can only be used with: ${ANCHORED_SAFE.join(", ")} - not with ${name}`,
        );
      }
    } else if (vs.smoothed) {
      mode = "smoothed";
      if (!SMOOTHED_SAFE.includes(name)) {
        execError(
          `smoothed modifier can only be used with: ${SMOOTHED_SAFE.join(", ")} - not with ${name}`,
        );
      }
    }
    inputs = ev.seriesOf(vs).map((sd): InputSeries => {
      if (sd.parts !== undefined && sd.noNaN === true && sd.ht === undefined) {
        return new PartsInput(sd); // float-only, nothing to drop: kernels take the parts
      }
      const f = withoutStale(sd);
      const hs = histogramsWithoutStale(sd);
      return { labels: sd.labels, t: f.t, v: f.v, ht: hs.t, h: hs.h, dropName: false };
    });
  } else {
    offset = ctx.duration(arg, arg.offsetMs, arg.offsetExpr);
    range = ctx.duration(arg, arg.rangeMs, arg.rangeExpr);
    at = ev.atTime(arg.at);
    const { matrix } = ev.subquery(arg);
    inputs = matrix.map((s) => ({
      labels: s.metric,
      t: Float64Array.from(s.fT),
      v: Float64Array.from(s.fV),
      ht: s.hT,
      // Explicit counter-reset hints would be repeated or missed at subquery resolution.
      h: s.hV.map((h) =>
        h.counterResetHint === "reset" || h.counterResetHint === "not_reset"
          ? { ...h, counterResetHint: "unknown" as const }
          : h
      ),
      dropName: s.dropName,
    }));
  }
  const params: (number | Float64Array)[] = [];
  for (let i = 0; i < e.args.length; i++) {
    if (i === mi) continue;
    params.push(ev.scalarValues(e.args[i]));
  }
  const w: RangeWindows = {
    firstT: (at ?? ev.start) - offset,
    stepMs: at !== undefined ? 0 : ev.interval,
    steps: ev.steps,
    rangeMs: range,
    mode,
    lookbackMs: ctx.lookbackMs,
    evalFirstT: ev.start,
    evalStepMs: ev.interval,
  };
  if (name === "quantile_over_time" && inputs.length > 0) {
    const q = params[0];
    const qs = typeof q === "number" ? [q] : q;
    for (const v of qs) {
      if (Number.isNaN(v) || v < 0 || v > 1) ctx.annos.warn(ANNO.invalidQuantile(v), e.args[0].pos);
    }
  }
  const steps = ev.steps;
  const out = new Float64Array(steps);
  const present = new Uint8Array(steps);
  const dropName = name !== "last_over_time" && name !== "first_over_time";
  const result: Matrix = [];
  const kernel = wasmOrTs(name); // WASM where ported; the TS kernels are the oracle
  const partsKernel = kernel && wasmKernelParts(kernel);
  const isAbsent = name === "absent_over_time";
  if (!kernel && !HISTOGRAM_AWARE.has(name)) execError(`function "${name}" is not implemented`);
  const anyAt = new Uint8Array(isAbsent ? steps : 0);
  const checkCounter = name === "rate" || name === "increase";
  let checkedName: string | undefined;
  // A selector with `__name__="x"` names every series it selects: no label lookup per series.
  const pinnedName = arg.kind === "MatrixSelector"
    ? arg.vectorSelector.matchers.find((m) => m.name === METRIC_NAME && m.type === "=")?.value
    : undefined;
  for (const s of inputs) {
    ctx.checkDone();
    present.fill(0);
    const series = newSeries(s.labels, dropName || s.dropName);
    if (ev.topLevel && ctx.countSamples) countWindowStats(ev, s, w);
    if (s.h.length > 0 && HISTOGRAM_AWARE.has(name)) {
      histogramAware(ev, name, s, w, series);
    } else if (s.h.length > 0 && !isAbsent) {
      rangeWithHistograms(
        { name, ctx, arg: e.args[mi], w, params, kernel, ts: (k) => ev.ts(k) },
        s,
        series,
      );
    } else if (isAbsent) {
      windowsPresent(s, w, present);
      for (let k = 0; k < steps; k++) {
        if (present[k]) {
          series.fT.push(ev.ts(k));
          series.fV.push(1);
        }
      }
    } else {
      try {
        // One call per series over all steps (under @ too: the kernels run every step's body,
        // so per-step parameters and predict_linear's evaluation times still apply).
        const p = s.parts;
        if (p !== undefined && p.length === 2 && partsKernel !== undefined) {
          partsKernel(p[0].t, p[0].v, p[1].t, p[1].v, w, params, out, present);
        } else kernel!(s.t, s.v, w, params, out, present);
      } catch (err) {
        if (err instanceof RangeKernelError) execError(err.message);
        throw err;
      }
      for (let k = 0; k < steps; k++) {
        if (!present[k]) continue;
        series.fT.push(ev.ts(k));
        series.fV.push(out[k]);
      }
    }
    const n = series.fT.length + series.hT.length;
    if (n === 0) continue;
    if (isAbsent) {
      for (const t of series.fT) anyAt[Math.round((t - ev.start) / (ev.interval || 1))] = 1;
      for (const t of series.hT) anyAt[Math.round((t - ev.start) / (ev.interval || 1))] = 1;
    }
    ctx.addSamples(n);
    result.push(series);
    if (checkCounter && series.fT.length > 0) {
      const metricName = pinnedName ?? labelsGet(s.labels, METRIC_NAME);
      if (metricName !== checkedName) { // series of one metric name mostly come in a row
        checkedName = metricName;
        if (
          metricName !== "" && !metricName.endsWith("_total") && !metricName.endsWith("_sum") &&
          !metricName.endsWith("_count") && !metricName.endsWith("_bucket")
        ) {
          ctx.annos.info(ANNO.possibleNonCounter(metricName), e.args[0].pos);
        }
      }
    }
  }
  if (isAbsent) {
    const labels = absentLabels(e.args[mi]);
    const s = newSeries(labels, true);
    for (let k = 0; k < steps; k++) {
      if (anyAt[k]) continue;
      s.fT.push(ev.ts(k));
      s.fV.push(1);
    }
    return s.fT.length > 0 ? [s] : [];
  }
  return result;
}

function windowBounds(w: RangeWindows, k: number): [number, number] {
  const maxT = w.firstT + k * w.stepMs;
  return [maxT - w.rangeMs, maxT];
}

function windowsPresent(s: InputSeries, w: RangeWindows, present: Uint8Array): void {
  for (let k = 0; k < w.steps; k++) {
    const [minT, maxT] = windowBounds(w, k);
    const a = lastLE(s.t, minT) + 1, b = lastLE(s.t, maxT) + 1;
    const ha = lastLE(s.ht, minT) + 1, hb = lastLE(s.ht, maxT) + 1;
    present[k] = b > a || hb > ha ? 1 : 0;
  }
}

/** Adds each step's window size to the per-step stats (two monotone cursors per column). */
function countWindowStats(ev: Evaluator, s: InputSeries, w: RangeWindows): void {
  const perStep = ev.ctx.perStep;
  const cols: ArrayLike<number>[] = s.ht.length > 0 ? [s.t, s.ht] : [s.t];
  for (const t of cols) {
    if (t.length === 0) continue;
    let lo = 0, hi = 0;
    for (let k = 0; k < w.steps; k++) {
      const maxT = w.firstT + k * w.stepMs;
      const minT = maxT - w.rangeMs;
      if (w.stepMs <= 0 && k > 0) {
        perStep[k] += hi - lo;
        continue;
      }
      while (hi < t.length && t[hi] <= maxT) hi++;
      while (lo < hi && t[lo] <= minT) lo++;
      if (hi > lo) perStep[k] += hi - lo;
    }
  }
}

/** last/first/count/present/ts_of_* over windows that contain histograms. */
function histogramAware(
  ev: Evaluator,
  name: string,
  s: InputSeries,
  w: RangeWindows,
  out: ReturnType<typeof newSeries>,
): void {
  for (let k = 0; k < w.steps; k++) {
    const [minT, maxT] = windowBounds(w, k);
    const a = lastLE(s.t, minT) + 1, b = lastLE(s.t, maxT) + 1;
    const ha = lastLE(s.ht, minT) + 1, hb = lastLE(s.ht, maxT) + 1;
    const nf = b - a, nh = hb - ha;
    if (nf + nh === 0) continue;
    const ts = ev.ts(k);
    const lastIsH = nh > 0 && (nf === 0 || s.ht[hb - 1] > s.t[b - 1]);
    const firstIsH = nh > 0 && (nf === 0 || s.ht[ha] < s.t[a]);
    switch (name) {
      case "count_over_time":
        out.fT.push(ts);
        out.fV.push(nf + nh);
        break;
      case "present_over_time":
      case "absent_over_time":
        out.fT.push(ts);
        out.fV.push(1);
        break;
      case "last_over_time":
        if (lastIsH) {
          out.hT.push(ts);
          out.hV.push(s.h[hb - 1]);
        } else {
          out.fT.push(ts);
          out.fV.push(s.v[b - 1]);
        }
        break;
      case "first_over_time":
        if (firstIsH) {
          out.hT.push(ts);
          out.hV.push(s.h[ha]);
        } else {
          out.fT.push(ts);
          out.fV.push(s.v[a]);
        }
        break;
      case "ts_of_last_over_time":
        out.fT.push(ts);
        out.fV.push((lastIsH ? s.ht[hb - 1] : s.t[b - 1]) / 1000);
        break;
      case "ts_of_first_over_time":
        out.fT.push(ts);
        out.fV.push((firstIsH ? s.ht[ha] : s.t[a]) / 1000);
        break;
    }
  }
}
