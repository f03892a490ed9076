/**
 * Selector evaluation over the evaluator's grid: instant selectors with lookback and staleness,
 * smoothed selectors (interpolated), and matrix selectors returned as values (raw points, or
 * extended to the window boundaries for anchored/smoothed).
 */
import type { FloatHistogram } from "../model/mod.ts";
import { labelsGet, METRIC_NAME } from "../model/mod.ts";
import type { MatrixSelector, VectorSelector } from "./parser/mod.ts";
import { ANNO } from "./annotations.ts";
import { execError } from "./context.ts";
import type { Evaluator } from "./evaluator.ts";
import { usesCustomBuckets } from "./histogram_ops.ts";
import { interpolateHistograms, mixedSchemas } from "./range_histogram.ts";
import { histogramsWithoutStale, lastLE, lookupInstantIndex, withoutStale } from "./selectors.ts";
import { type Matrix, newSeries } from "./value.ts";

/** Instant vector selector over the grid. `recordT` stores each sample's own time as value. */
export function vectorSelector(ev: Evaluator, vs: VectorSelector, recordT: boolean): Matrix {
  if (vs.smoothed && !recordT) return smoothedSelector(ev, vs);
  const offset = ev.ctx.duration(vs, vs.offsetMs, vs.offsetExpr);
  const at = ev.atTime(vs.at);
  const lb = ev.ctx.lookbackMs;
  const out: Matrix = [];
  let total = 0;
  const perStep = ev.topLevel && ev.ctx.countSamples ? ev.ctx.perStep : undefined;
  for (const sd of ev.seriesOf(vs)) {
    ev.ctx.checkDone();
    let fT: number[] | undefined, fV: number[] | undefined;
    let hT: number[] | undefined, hV: FloatHistogram[] | undefined;
    for (let k = 0; k < ev.steps; k++) {
      const ts = ev.start + k * ev.interval;
      const i = lookupInstantIndex(sd, (at ?? ts) - offset, lb);
      if (i === -1) continue;
      if (i >= 0 || recordT) {
        const j = i >= 0 ? i : -2 - i;
        (fT ??= []).push(ts);
        (fV ??= []).push(recordT ? (i >= 0 ? sd.t[j] : sd.ht![j]) : sd.v[j]);
      } else {
        (hT ??= []).push(ts);
        (hV ??= []).push(sd.h![-2 - i]);
      }
      if (perStep) perStep[k]++;
    }
    if (!fT && !hT) continue;
    total += (fT?.length ?? 0) + (hT?.length ?? 0);
    out.push({
      metric: sd.labels,
      fT: fT ?? [],
      fV: fV ?? [],
      hT: hT ?? [],
      hV: hV ?? [],
      dropName: false,
    });
  }
  ev.ctx.addSamples(total);
  ev.ctx.currentSamples -= total;
  return out;
}

/** `metric smoothed`: the value at each step interpolated between the neighbouring samples. */
export function smoothedSelector(ev: Evaluator, vs: VectorSelector): Matrix {
  const offset = ev.ctx.duration(vs, vs.offsetMs, vs.offsetExpr);
  const at = ev.atTime(vs.at);
  const lb = ev.ctx.lookbackMs;
  const out: Matrix = [];
  for (const sd of ev.seriesOf(vs)) {
    const f = withoutStale(sd);
    const hs = histogramsWithoutStale(sd);
    const s = newSeries(sd.labels);
    for (let k = 0; k < ev.steps; k++) {
      const ts = ev.ts(k);
      const dataT = (at ?? ts) - offset;
      const a = lastLE(f.t, dataT - lb) + 1, b = lastLE(f.t, dataT + lb) + 1;
      const ha = lastLE(hs.t, dataT - lb) + 1, hb = lastLE(hs.t, dataT + lb) + 1;
      if (b - a === 0 && hb - ha === 0) continue;
      if (b - a > 0 && hb - ha > 0) {
        ev.ctx.annos.warn(
          ANNO.mixedFloatsHistograms(labelsGet(sd.labels, METRIC_NAME)),
          vs.pos,
        );
        continue;
      }
      if (hb - ha > 0) {
        let i = ha;
        while (i < hb && hs.t[i] < dataT) i++;
        if (i < hb && hs.t[i] === dataT) {
          s.hT.push(ts);
          s.hV.push(hs.h[i]);
        } else if (i > ha && i < hb) {
          const prev = hs.h[i - 1], next = hs.h[i];
          if (usesCustomBuckets(prev) !== usesCustomBuckets(next)) {
            ev.ctx.annos.warn(mixedSchemas(labelsGet(sd.labels, METRIC_NAME)), vs.pos);
            continue;
          }
          const isCounter = prev.counterResetHint !== "gauge" ||
            next.counterResetHint !== "gauge";
          s.hT.push(ts);
          s.hV.push(interpolateHistograms(prev, hs.t[i - 1], next, hs.t[i], dataT, isCounter));
        } else if (i > ha) {
          s.hT.push(ts);
          s.hV.push({ ...hs.h[i - 1], counterResetHint: "unknown" });
        }
        continue;
      }
      let i = a;
      while (i < b && f.t[i] < dataT) i++;
      if (i < b && f.t[i] === dataT) {
        s.fT.push(ts);
        s.fV.push(f.v[i]);
      } else if (i > a && i < b) {
        const t1 = f.t[i - 1], t2 = f.t[i], y1 = f.v[i - 1], y2 = f.v[i];
        s.fT.push(ts);
        s.fV.push(y1 + (y2 - y1) * (dataT - t1) / (t2 - t1));
      } else if (i > a) {
        s.fT.push(ts);
        s.fV.push(f.v[i - 1]);
      }
    }
    if (s.fT.length + s.hT.length > 0) out.push(s);
  }
  return out;
}

/** A matrix selector as a value (instant queries only): raw points in the window. */
export function matrixSelectorValue(ev: Evaluator, ms: MatrixSelector): Matrix {
  const vs = ms.vectorSelector;
  const offset = ev.ctx.duration(vs, vs.offsetMs, vs.offsetExpr);
  const range = ev.ctx.duration(ms, ms.rangeMs, ms.rangeExpr);
  const at = ev.atTime(vs.at);
  const maxT = (at ?? ev.start) - offset;
  const minT = maxT - range;
  const out: Matrix = [];
  const lb = ev.ctx.lookbackMs;
  for (const sd of ev.seriesOf(vs)) {
    const f = withoutStale(sd);
    const s = newSeries(sd.labels);
    if (vs.anchored || vs.smoothed) {
      const hs = histogramsWithoutStale(sd);
      const hi = vs.smoothed ? maxT + lb : maxT;
      if (lastLE(hs.t, hi) - lastLE(hs.t, minT - lb) > 0) {
        execError(
          `${vs.anchored ? "anchored" : "smoothed"} modifier is not supported with histograms`,
        );
      }
      const ext = extendFloats(f.t, f.v, minT - lb, hi, minT, maxT, vs.smoothed);
      if (ext.t.length > 0) {
        s.fT = ext.t;
        s.fV = ext.v;
        ev.ctx.addSamples(ext.t.length);
        out.push(s);
      }
      continue;
    }
    const a = lastLE(f.t, minT) + 1, b = lastLE(f.t, maxT) + 1;
    for (let i = a; i < b; i++) {
      s.fT.push(f.t[i]);
      s.fV.push(f.v[i]);
    }
    const hs = histogramsWithoutStale(sd);
    const ha = lastLE(hs.t, minT) + 1, hb = lastLE(hs.t, maxT) + 1;
    for (let i = ha; i < hb; i++) {
      s.hT.push(hs.t[i]);
      s.hV.push(hs.h[i]);
    }
    const n = s.fT.length + s.hT.length;
    if (n > 0) {
      ev.ctx.addSamples(n);
      out.push(s);
    }
  }
  return out;
}

/**
 * The samples of a window extended to its boundaries (anchored/smoothed range selectors): the
 * first point is at `minT` (the last sample at or before it, or interpolated when smoothed), the
 * last at `maxT`. Samples in `(loadMin, loadMax]` are considered.
 */
export function extendFloats(
  t: Float64Array,
  v: Float64Array,
  loadMin: number,
  loadMax: number,
  minT: number,
  maxT: number,
  smoothed: boolean,
): { t: number[]; v: number[] } {
  const a0 = lastLE(t, loadMin) + 1, b0 = lastLE(t, loadMax) + 1;
  const n = b0 - a0;
  if (n <= 0) return { t: [], v: [] };
  const ft = (i: number) => t[a0 + i], fv = (i: number) => v[a0 + i];
  let last = n - 1;
  let first = 0;
  {
    // Last index with t <= minT among [0, last).
    let lo = 0, hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ft(mid) > minT) hi = mid;
      else lo = mid + 1;
    }
    first = Math.max(0, lo - 1);
  }
  if (smoothed) {
    let lo = 0, hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ft(mid) >= maxT) hi = mid;
      else lo = mid + 1;
    }
    last = lo;
  }
  if (ft(last) <= minT) return { t: [], v: [] };
  const interp = (i: number, j: number, x: number) =>
    fv(i) + (fv(j) - fv(i)) * (x - ft(i)) / (ft(j) - ft(i));
  const left = smoothed && ft(first) < minT ? interp(first, first + 1, minT) : fv(first);
  const right = smoothed && last > 0 && ft(last) > maxT ? interp(last - 1, last, maxT) : fv(last);
  if (ft(first) <= minT) first++;
  if (ft(last) >= maxT) last--;
  const out = { t: [minT] as number[], v: [left] as number[] };
  for (let i = first; i <= last; i++) {
    out.t.push(ft(i));
    out.v.push(fv(i));
  }
  out.t.push(maxT);
  out.v.push(right);
  return out;
}
