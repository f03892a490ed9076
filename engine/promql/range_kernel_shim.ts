/**
 * Temporary range-function kernels used until functions/range_kernels.ts (KERNELS helper) is
 * available: same interface (see promql-shared.md), straightforward per-step loops.
 */
import { lastLE } from "./selectors.ts";
import { floatLess, quantileOf } from "./functions/quantile.ts";
import { kahanInc } from "./aggregation.ts";

/** Evaluation grid for one series (see range_kernels.ts). */
export interface RangeWindows {
  firstT: number;
  stepMs: number;
  steps: number;
  rangeMs: number;
  mode?: "default" | "anchored" | "smoothed";
}

/** One range function over all steps of one series. */
export type RangeKernel = (
  t: Float64Array,
  v: Float64Array,
  w: RangeWindows,
  params: readonly (number | Float64Array)[],
  out: Float64Array,
  present: Uint8Array,
) => void;

type WindowFn = (
  t: Float64Array,
  v: Float64Array,
  a: number,
  b: number,
  evalT: number,
  w: RangeWindows,
  p: number[],
) => number | undefined;

function param(p: number | Float64Array, k: number): number {
  return typeof p === "number" ? p : p[k];
}

function perWindow(fn: WindowFn, minSamples = 1): RangeKernel {
  return (t, v, w, params, out, present) => {
    for (let k = 0; k < w.steps; k++) {
      const maxT = w.firstT + k * w.stepMs;
      const minT = maxT - w.rangeMs;
      const a = lastLE(t, minT) + 1, b = lastLE(t, maxT) + 1;
      present[k] = 0;
      if (b - a < minSamples) continue;
      const r = fn(t, v, a, b, maxT, w, params.map((p) => param(p, k)));
      if (r === undefined) continue;
      out[k] = r;
      present[k] = 1;
    }
  };
}

function extrapolated(isCounter: boolean, isRate: boolean): WindowFn {
  return (t, v, a, b, maxT, w) => {
    if (b - a < 2) return undefined;
    const rangeStart = maxT - w.rangeMs;
    const firstT = t[a], lastT = t[b - 1];
    let result = v[b - 1] - v[a];
    if (isCounter) {
      for (let i = a + 1; i < b; i++) if (v[i] < v[i - 1]) result += v[i - 1];
    }
    let durationToStart = (firstT - rangeStart) / 1000;
    let durationToEnd = (maxT - lastT) / 1000;
    const sampledInterval = (lastT - firstT) / 1000;
    const avg = sampledInterval / (b - a - 1);
    const threshold = avg * 1.1;
    if (durationToStart >= threshold) durationToStart = avg / 2;
    if (isCounter) {
      let durationToZero = durationToStart;
      if (result > 0 && v[a] >= 0) durationToZero = sampledInterval * (v[a] / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    if (durationToEnd >= threshold) durationToEnd = avg / 2;
    let factor = sampledInterval !== 0
      ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval
      : 1;
    if (isRate) factor /= w.rangeMs / 1000;
    return result * factor;
  };
}

function instantValue(isRate: boolean): WindowFn {
  return (t, v, a, b) => {
    if (b - a < 2) return undefined;
    const last = v[b - 1], prev = v[b - 2];
    let r = isRate && last < prev ? last : last - prev;
    if (isRate) {
      const dt = t[b - 1] - t[b - 2];
      if (dt === 0) return undefined;
      r /= dt / 1000;
    }
    return r;
  };
}

function linearRegression(
  t: Float64Array,
  v: Float64Array,
  a: number,
  b: number,
  interceptT: number,
): [number, number] {
  let n = 0, sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  let initY = v[a], constY = true;
  for (let i = a; i < b; i++) {
    if (constY && i > a && v[i] !== initY) constY = false;
    n++;
    const x = (t[i] - interceptT) / 1000;
    [sumX, cX] = kahanInc(x, sumX, cX);
    [sumY, cY] = kahanInc(v[i], sumY, cY);
    [sumXY, cXY] = kahanInc(x * v[i], sumXY, cXY);
    [sumX2, cX2] = kahanInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY)) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - sumX * sumY / n;
  const varX = sumX2 - sumX * sumX / n;
  const slope = covXY / varX;
  const intercept = sumY / n - slope * sumX / n;
  initY = 0;
  return [slope, intercept];
}

function variance(v: Float64Array, a: number, b: number): number {
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (let i = a; i < b; i++) {
    count++;
    const delta = v[i] - (mean + cMean);
    [mean, cMean] = kahanInc(delta / count, mean, cMean);
    [aux, cAux] = kahanInc(delta * (v[i] - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

/** Kernels by function name. */
export const RANGE_KERNELS: Record<string, RangeKernel> = {
  rate: perWindow(extrapolated(true, true)),
  increase: perWindow(extrapolated(true, false)),
  delta: perWindow(extrapolated(false, false)),
  irate: perWindow(instantValue(true)),
  idelta: perWindow(instantValue(false)),
  deriv: perWindow((t, v, a, b) => b - a < 2 ? undefined : linearRegression(t, v, a, b, t[a])[0]),
  predict_linear: perWindow((t, v, a, b, maxT, _w, p) => {
    if (b - a < 2) return undefined;
    const [slope, intercept] = linearRegression(t, v, a, b, maxT);
    return slope * p[0] + intercept;
  }),
  resets: perWindow((_t, v, a, b) => {
    let n = 0;
    for (let i = a + 1; i < b; i++) if (v[i] < v[i - 1]) n++;
    return n;
  }),
  changes: perWindow((_t, v, a, b) => {
    let n = 0;
    for (let i = a + 1; i < b; i++) {
      if (v[i] !== v[i - 1] && !(Number.isNaN(v[i]) && Number.isNaN(v[i - 1]))) n++;
    }
    return n;
  }),
  avg_over_time: perWindow((_t, v, a, b) => {
    let sum = v[a], c = 0, count = 1, mean = 0, incr = false;
    for (let i = a + 1; i < b; i++) {
      count = i - a + 1;
      if (!incr) {
        const [ns, nc] = kahanInc(v[i], sum, c);
        if (ns !== Infinity && ns !== -Infinity) {
          sum = ns;
          c = nc;
          continue;
        }
        incr = true;
        mean = sum / (count - 1);
        c /= count - 1;
      }
      const q = (count - 1) / count;
      [mean, c] = kahanInc(v[i] / count, q * mean, q * c);
    }
    return incr ? mean + c : sum / count + c / count;
  }),
  sum_over_time: perWindow((_t, v, a, b) => {
    let s = 0, c = 0;
    for (let i = a; i < b; i++) [s, c] = kahanInc(v[i], s, c);
    return s + c;
  }),
  count_over_time: perWindow((_t, _v, a, b) => b - a),
  present_over_time: perWindow(() => 1),
  last_over_time: perWindow((_t, v, _a, b) => v[b - 1]),
  first_over_time: perWindow((_t, v, a) => v[a]),
  ts_of_last_over_time: perWindow((t, _v, _a, b) => t[b - 1] / 1000),
  ts_of_first_over_time: perWindow((t, _v, a) => t[a] / 1000),
  max_over_time: perWindow((_t, v, a, b) => {
    let m = v[a];
    for (let i = a + 1; i < b; i++) if (v[i] > m || Number.isNaN(m)) m = v[i];
    return m;
  }),
  min_over_time: perWindow((_t, v, a, b) => {
    let m = v[a];
    for (let i = a + 1; i < b; i++) if (v[i] < m || Number.isNaN(m)) m = v[i];
    return m;
  }),
  ts_of_max_over_time: perWindow((t, v, a, b) => {
    let m = v[a], mt = t[a];
    for (let i = a + 1; i < b; i++) {
      if (v[i] >= m || Number.isNaN(m)) {
        m = v[i];
        mt = t[i];
      }
    }
    return mt / 1000;
  }),
  ts_of_min_over_time: perWindow((t, v, a, b) => {
    let m = v[a], mt = t[a];
    for (let i = a + 1; i < b; i++) {
      if (v[i] <= m || Number.isNaN(m)) {
        m = v[i];
        mt = t[i];
      }
    }
    return mt / 1000;
  }),
  quantile_over_time: perWindow((_t, v, a, b, _m, _w, p) =>
    quantileOf(p[0], Array.from(v.subarray(a, b)))
  ),
  stddev_over_time: perWindow((_t, v, a, b) => Math.sqrt(variance(v, a, b))),
  stdvar_over_time: perWindow((_t, v, a, b) => variance(v, a, b)),
  mad_over_time: perWindow((_t, v, a, b) => {
    const vals = Array.from(v.subarray(a, b));
    const med = quantileOf(0.5, vals.slice());
    return quantileOf(0.5, vals.map((x) => Math.abs(x - med)));
  }),
};

export { floatLess };
