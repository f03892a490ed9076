/**
 * Range functions over series that carry native histograms: evaluated window by window.
 * Histogram-capable functions (rate/increase/delta, irate/idelta, sum/avg_over_time,
 * resets/changes, count/last/first/present/ts_of_*) handle histogram samples as Prometheus does;
 * float-only functions ignore the histograms with Prometheus's annotations and delegate windows
 * with floats to the float kernel.
 */
import type { FloatHistogram, Labels } from "../model/mod.ts";
import { labelsGet, METRIC_NAME } from "../model/mod.ts";
import type { Expr } from "./parser/mod.ts";
import { ANNO } from "./annotations.ts";
import type { QueryContext } from "./context.ts";
import type { RangeKernel, RangeWindows } from "./functions/range_kernels.ts";
import {
  copyToSchema,
  detectReset,
  histogramAdd,
  histogramDiv,
  histogramEquals,
  histogramMul,
  type HistogramOpFlags,
  histogramSub,
  HistogramSum,
  IncompatibleSchemaError,
  usesCustomBuckets,
  withHint,
} from "./histogram_ops.ts";
import { lastLE } from "./selectors.ts";
import type { Series } from "./value.ts";
import { newFloatHistogram } from "../model/histogram.ts";

/** One input series of a range function. */
export interface HistogramInput {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
  ht: readonly number[];
  h: readonly FloatHistogram[];
}

/** Everything a window computation needs. */
export interface HistogramRangeCall {
  name: string;
  ctx: QueryContext;
  arg: Expr;
  w: RangeWindows;
  params: readonly (number | Float64Array)[];
  kernel: RangeKernel | undefined;
  /** Evaluation time of step k. */
  ts: (k: number) => number;
}

const MIXED_WARN = new Set(["rate", "increase", "delta", "sum_over_time", "avg_over_time"]);

/** Evaluates `call` over all steps of one series with histograms into `out`. */
export function rangeWithHistograms(c: HistogramRangeCall, s: HistogramInput, out: Series): void {
  const { w, ctx } = c;
  const name = c.name;
  const metric = labelsGet(s.labels, METRIC_NAME);
  const pos = c.arg.pos;
  const one = { out: new Float64Array(1), present: new Uint8Array(1) };
  const floatStep = (k: number) => {
    if (!c.kernel) return;
    const maxT = w.firstT + k * w.stepMs;
    const wi: RangeWindows = {
      ...w,
      firstT: maxT,
      stepMs: 0,
      steps: 1,
      evalFirstT: c.ts(k),
      evalStepMs: 0,
    };
    const pi = c.params.map((p) => typeof p === "number" ? p : p[k]);
    c.kernel(s.t, s.v, wi, pi, one.out, one.present);
    if (one.present[0]) {
      out.fT.push(c.ts(k));
      out.fV.push(one.out[0]);
    }
  };
  const pushH = (k: number, h: FloatHistogram) => {
    out.hT.push(c.ts(k));
    out.hV.push(h);
  };
  const mode = w.mode ?? "default";
  const lb = w.lookbackMs ?? 300_000;
  for (let k = 0; k < w.steps; k++) {
    const maxT = w.firstT + k * w.stepMs;
    const minT = maxT - w.rangeMs;
    if (mode !== "default") {
      const extMin = minT - lb, extMax = mode === "smoothed" ? maxT + lb : maxT;
      const ea = lastLE(s.t, extMin) + 1, eb = lastLE(s.t, extMax) + 1;
      const eha = lastLE(s.ht, extMin) + 1, ehb = lastLE(s.ht, extMax) + 1;
      if (ehb - eha === 0) {
        floatStep(k);
        continue;
      }
      if (name === "rate" || name === "increase" || name === "delta") {
        if (eb - ea > 0) {
          ctx.annos.warn(ANNO.mixedFloatsHistograms(metric), pos);
          continue;
        }
        try {
          const r = extendedHistogramRate(
            s.ht.slice(eha, ehb),
            s.h.slice(eha, ehb),
            minT,
            maxT,
            mode === "smoothed",
            name !== "delta",
            metric,
            c,
          );
          if (r) pushH(k, name === "rate" ? histogramDiv(r, w.rangeMs / 1000) : r);
        } catch (e) {
          if (!(e instanceof IncompatibleSchemaError)) throw e;
          ctx.annos.warn(mixedSchemas(metric), pos);
        }
        continue;
      }
      if (name === "resets" || name === "changes") {
        // Anchored: the window starts with the last sample at or before its start.
        const merged: { t: number; f: number; h?: FloatHistogram }[] = [];
        for (let i = ea; i < eb; i++) merged.push({ t: s.t[i], f: s.v[i] });
        for (let i = eha; i < ehb; i++) merged.push({ t: s.ht[i], f: 0, h: s.h[i] });
        merged.sort((x, y) => x.t - y.t);
        let first = 0;
        for (let i = 0; i < merged.length; i++) if (merged[i].t <= minT) first = i;
        const win = merged.slice(first);
        if (win.length === 0 || win[win.length - 1].t <= minT) continue;
        out.fT.push(c.ts(k));
        out.fV.push(countTransitions(name, win));
        continue;
      }
    }
    const a = lastLE(s.t, minT) + 1, b = lastLE(s.t, maxT) + 1;
    const ha = lastLE(s.ht, minT) + 1, hb = lastLE(s.ht, maxT) + 1;
    const nf = b - a, nh = hb - ha;
    if (nf + nh === 0) continue;
    if (nh === 0) {
      floatStep(k);
      continue;
    }
    const hs = s.h.slice(ha, hb), hts = s.ht.slice(ha, hb);
    if (nf > 0 && MIXED_WARN.has(name)) {
      ctx.annos.warn(ANNO.mixedFloatsHistograms(metric), pos);
      continue;
    }
    try {
      switch (name) {
        case "rate":
        case "increase":
        case "delta": {
          if (nh < 2) break;
          const r = histogramRate(hs, name !== "delta", metric, c);
          if (!r) break;
          const isCounter = name !== "delta";
          const firstT = hts[0], lastT = hts[nh - 1];
          let durationToStart = (firstT - minT) / 1000;
          let durationToEnd = (maxT - lastT) / 1000;
          const sampled = (lastT - firstT) / 1000;
          const avg = sampled / (nh - 1);
          const threshold = avg * 1.1;
          if (durationToStart >= threshold) durationToStart = avg / 2;
          if (isCounter && r.count > 0 && hs[0].count >= 0) {
            const toZero = sampled * (hs[0].count / r.count);
            if (toZero < durationToStart) durationToStart = toZero;
          }
          if (durationToEnd >= threshold) durationToEnd = avg / 2;
          let factor = sampled !== 0 ? (sampled + durationToStart + durationToEnd) / sampled : 1;
          if (name === "rate") factor /= w.rangeMs / 1000;
          pushH(k, histogramMul(r, factor));
          break;
        }
        case "irate":
        case "idelta": {
          if (nf + nh < 2) break;
          // The last two samples over floats and histograms.
          const last: { t: number; f: number; h?: FloatHistogram }[] = [];
          for (let i = Math.max(a, b - 2); i < b; i++) last.push({ t: s.t[i], f: s.v[i] });
          for (let i = Math.max(ha, hb - 2); i < hb; i++) {
            last.push({ t: s.ht[i], f: 0, h: s.h[i] });
          }
          last.sort((x, y) => x.t - y.t);
          const [p0, p1] = last.slice(-2);
          const dt = p1.t - p0.t;
          if (dt === 0) break;
          const isRate = name === "irate";
          if (!p0.h || !p1.h) {
            ctx.annos.warn(ANNO.mixedFloatsHistograms(metric), pos);
            break;
          }
          if (isRate && (p1.h.counterResetHint === "gauge" || p0.h.counterResetHint === "gauge")) {
            ctx.annos.warn(ANNO.nativeHistogramNotCounter(metric), pos);
          }
          if (!isRate && (p1.h.counterResetHint !== "gauge" || p0.h.counterResetHint !== "gauge")) {
            ctx.annos.warn(ANNO.nativeHistogramNotGauge(metric), pos);
          }
          let r = p1.h;
          if (!isRate || !detectReset(p1.h, p0.h)) {
            const flags: HistogramOpFlags = {
              counterResetCollision: false,
              nhcbBoundsReconciled: false,
            };
            r = histogramSub(p1.h, p0.h, flags);
            if (flags.nhcbBoundsReconciled) ctx.annos.info(mismatchedCustom("subtraction"), pos);
          }
          r = withHint(r, "gauge");
          if (isRate) r = histogramDiv(r, dt / 1000);
          pushH(k, r);
          break;
        }
        case "sum_over_time":
        case "avg_over_time": {
          const acc = new HistogramSum();
          const mean = name === "avg_over_time";
          let resetSeen = false, notResetSeen = false;
          for (let i = 0; i < nh; i++) {
            if (hs[i].counterResetHint === "reset") resetSeen = true;
            if (hs[i].counterResetHint === "not_reset") notResetSeen = true;
            acc.add(hs[i], mean);
          }
          if (resetSeen && notResetSeen) ctx.annos.warn(collision("aggregation"), pos);
          if (acc.flags.nhcbBoundsReconciled) ctx.annos.info(mismatchedCustom("aggregation"), pos);
          pushH(k, acc.result(mean));
          break;
        }
        case "resets":
        case "changes": {
          const merged: { t: number; f: number; h?: FloatHistogram }[] = [];
          for (let i = a; i < b; i++) merged.push({ t: s.t[i], f: s.v[i] });
          for (let i = ha; i < hb; i++) merged.push({ t: s.ht[i], f: 0, h: s.h[i] });
          merged.sort((x, y) => x.t - y.t);
          const n = countTransitions(name, merged);
          out.fT.push(c.ts(k));
          out.fV.push(n);
          break;
        }
        default:
          // Float-only functions: histograms are ignored.
          if (nf === 0) break;
          ctx.annos.info(ANNO.histogramIgnoredInMixedRangeInfo(metric), pos);
          floatStep(k);
      }
    } catch (e) {
      if (!(e instanceof IncompatibleSchemaError)) throw e;
      ctx.annos.warn(mixedSchemas(metric), pos);
    }
  }
}

function histogramRate(
  points: FloatHistogram[],
  isCounter: boolean,
  metric: string,
  c: HistogramRangeCall,
): FloatHistogram | undefined {
  const annos = c.ctx.annos, pos = c.arg.pos;
  let prev = points[0];
  const last = points[points.length - 1];
  let custom = usesCustomBuckets(prev);
  if (isCounter && (prev.counterResetHint === "gauge" || last.counterResetHint === "gauge")) {
    annos.warn(ANNO.nativeHistogramNotCounter(metric), pos);
  }
  if (isCounter && points.length > 1 && detectReset(points[1], prev)) {
    prev = emptyLike(points[1]);
    custom = usesCustomBuckets(points[1]);
  }
  if (usesCustomBuckets(last) !== custom) {
    annos.warn(mixedSchemas(metric), pos);
    return undefined;
  }
  let minSchema = Math.min(last.schema, prev.schema);
  for (let i = 1; i < points.length - 1; i++) {
    const cur = points[i];
    if (!isCounter) continue;
    if (cur.counterResetHint === "gauge") annos.warn(ANNO.nativeHistogramNotCounter(metric), pos);
    if (cur.schema < minSchema) minSchema = cur.schema;
    if (usesCustomBuckets(cur) !== custom) {
      annos.warn(mixedSchemas(metric), pos);
      return undefined;
    }
  }
  const flags: HistogramOpFlags = { counterResetCollision: false, nhcbBoundsReconciled: false };
  let h = histogramSub(copyToSchema(last, minSchema), prev, flags);
  if (flags.nhcbBoundsReconciled) annos.info(mismatchedCustom("subtraction"), pos);
  if (isCounter) {
    let p = prev;
    for (let i = 1; i < points.length; i++) {
      const cur = points[i];
      if (detectReset(cur, p)) {
        const f2: HistogramOpFlags = { counterResetCollision: false, nhcbBoundsReconciled: false };
        h = histogramAdd(h, p, f2);
        if (f2.nhcbBoundsReconciled) annos.info(mismatchedCustom("addition"), pos);
      }
      p = cur;
    }
  } else if (points[0].counterResetHint !== "gauge" || last.counterResetHint !== "gauge") {
    annos.warn(ANNO.nativeHistogramNotGauge(metric), pos);
  }
  return withHint(h, "gauge");
}

function emptyLike(h: FloatHistogram): FloatHistogram {
  return newFloatHistogram({ schema: h.schema, customValues: h.customValues });
}

/** "vector contains a mix of histograms with exponential and custom buckets schemas ..." */
export function mixedSchemas(metric: string): string {
  return `vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${
    JSON.stringify(metric)
  }`;
}

/** "mismatched custom buckets were reconciled during <op>" */
export function mismatchedCustom(op: string): string {
  return `mismatched custom buckets were reconciled during ${op}`;
}

/** "conflicting counter resets during histogram <op>" */
export function collision(op: string): string {
  return `conflicting counter resets during histogram ${op}`;
}

function countTransitions(
  name: string,
  merged: { t: number; f: number; h?: FloatHistogram }[],
): number {
  let n = 0;
  for (let i = 1; i < merged.length; i++) {
    const p = merged[i - 1], q = merged[i];
    if (!p.h && !q.h) {
      if (
        name === "resets" ? q.f < p.f : q.f !== p.f && !(Number.isNaN(q.f) && Number.isNaN(p.f))
      ) n++;
    } else if (!p.h || !q.h) n++;
    else if (name === "resets" ? detectReset(q.h, p.h) : !histogramEquals(q.h, p.h)) n++;
  }
  return n;
}

/** Linear interpolation between two histograms at time t (a counter reset restarts from zero). */
export function interpolateHistograms(
  h1: FloatHistogram,
  t1: number,
  h2: FloatHistogram,
  t2: number,
  t: number,
  isCounter: boolean,
): FloatHistogram {
  if (t === t1) return h1;
  if (t === t2) return h2;
  const fraction = (t - t1) / (t2 - t1);
  if (isCounter && detectReset(h2, h1)) return histogramMul(h2, fraction);
  return histogramAdd(histogramMul(histogramSub(h2, h1), fraction), h1);
}

/** rate/increase/delta over an anchored or smoothed window of histograms (no extrapolation). */
function extendedHistogramRate(
  ts: number[],
  hs: FloatHistogram[],
  rangeStart: number,
  rangeEnd: number,
  smoothed: boolean,
  isCounter: boolean,
  metric: string,
  c: HistogramRangeCall,
): FloatHistogram | undefined {
  const annos = c.ctx.annos, pos = c.arg.pos;
  let last = hs.length - 1;
  // First index: the last sample at or before rangeStart (searching [0, last)).
  let first = 0;
  {
    let lo = 0, hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid] > rangeStart) hi = mid;
      else lo = mid + 1;
    }
    first = Math.max(0, lo - 1);
  }
  if (smoothed) {
    let lo = 0, hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid] >= rangeEnd) hi = mid;
      else lo = mid + 1;
    }
    last = lo;
  }
  if (ts[last] <= rangeStart) return undefined;
  if (smoothed && ts[first] > rangeEnd) return undefined;
  const custom = usesCustomBuckets(hs[first]);
  for (let i = first; i <= last; i++) {
    if (usesCustomBuckets(hs[i]) !== custom) {
      annos.warn(mixedSchemas(metric), pos);
      return undefined;
    }
    if (isCounter && hs[i].counterResetHint === "gauge") {
      annos.warn(ANNO.nativeHistogramNotCounter(metric), pos);
    }
  }
  const left = smoothed && ts[first] < rangeStart
    ? interpolateHistograms(
      hs[first],
      ts[first],
      hs[first + 1],
      ts[first + 1],
      rangeStart,
      isCounter,
    )
    : hs[first];
  const right = smoothed && last > 0 && ts[last] > rangeEnd
    ? interpolateHistograms(hs[last - 1], ts[last - 1], hs[last], ts[last], rangeEnd, isCounter)
    : hs[last];
  if (!isCounter && (left.counterResetHint !== "gauge" || right.counterResetHint !== "gauge")) {
    annos.warn(ANNO.nativeHistogramNotGauge(metric), pos);
  }
  let result = histogramSub(right, left);
  if (isCounter) {
    let f = first + 1;
    let prev = left;
    if (smoothed && ts[first] < rangeStart && detectReset(hs[first + 1], hs[first])) {
      prev = hs[first + 1];
      f++;
    }
    const l = last - 1;
    if (f <= l + 1) {
      let correction: FloatHistogram | undefined;
      const addCorrection = (h: FloatHistogram) => {
        correction = correction ? histogramAdd(correction, h) : h;
      };
      for (let i = f; i <= l; i++) {
        if (detectReset(hs[i], prev)) addCorrection(prev);
        prev = hs[i];
      }
      if (detectReset(right, prev)) addCorrection(prev);
      if (correction) result = histogramAdd(result, correction);
    }
  }
  return withHint(result, "gauge");
}
