/**
 * The `*_over_time` aggregations, `ts_of_*_over_time`, quantile/mad, deriv / predict_linear
 * (least squares with Kahan sums), resets / changes and double_exponential_smoothing.
 * Sums use Kahan-Neumaier compensation where Prometheus does (sum, avg, stddev/stdvar, regression).
 */
import {
  DEFAULT_LOOKBACK_MS,
  KAHAN,
  kahanInc,
  param,
  type RangeKernel,
  RangeKernelError,
  walkWindows,
  windowMode,
} from "./range_windows.ts";

/** A kernel whose value depends only on the samples lo..hi-1 of each window. */
function perWindow(
  fn: (t: Float64Array, v: Float64Array, lo: number, hi: number) => number,
): RangeKernel {
  return (t, v, w, _params, out, present) => {
    walkWindows(t, w, 0, 0, out, present, (lo, hi, k) => {
      out[k] = fn(t, v, lo, hi);
      present[k] = 1;
    });
  };
}

/** avg_over_time: Kahan sum, switching to an incremental mean if the sum overflows. */
export const avgOverTime: RangeKernel = perWindow((_t, v, lo, hi) => {
  let sum = v[lo], c = 0, count = 1, mean = 0, incremental = false;
  for (let i = lo + 1; i < hi; i++) {
    count = i - lo + 1;
    if (!incremental) {
      const s = kahanInc(v[i], sum, c);
      if (s !== Infinity && s !== -Infinity) {
        sum = s;
        c = KAHAN[0];
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    mean = kahanInc(v[i] / count, q * mean, q * c);
    c = KAHAN[0];
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
});

/** sum_over_time: Kahan-Neumaier sum (kahanInc inlined: this is the hottest aggregation). */
export const sumOverTime: RangeKernel = perWindow((_t, v, lo, hi) => {
  let sum = 0, c = 0;
  for (let i = lo; i < hi; i++) {
    const x = v[i];
    const t = sum + x;
    if (t === Infinity || t === -Infinity) c = 0;
    else if (Math.abs(sum) >= Math.abs(x)) c += (sum - t) + x;
    else c += (x - t) + sum;
    sum = t;
  }
  return sum === Infinity || sum === -Infinity ? sum : sum + c;
});

/** count_over_time. */
export const countOverTime: RangeKernel = perWindow((_t, _v, lo, hi) => hi - lo);
/** present_over_time: 1 for every window with a sample. */
export const presentOverTime: RangeKernel = perWindow(() => 1);
/** last_over_time. */
export const lastOverTime: RangeKernel = perWindow((_t, v, _lo, hi) => v[hi - 1]);
/** first_over_time. */
export const firstOverTime: RangeKernel = perWindow((_t, v, lo) => v[lo]);
/** ts_of_last_over_time: seconds. */
export const tsOfLastOverTime: RangeKernel = perWindow((t, _v, _lo, hi) => t[hi - 1] / 1000);
/** ts_of_first_over_time: seconds. */
export const tsOfFirstOverTime: RangeKernel = perWindow((t, _v, lo) => t[lo] / 1000);

/** Scan for an extreme; `better(cur, best)` decides replacement, a NaN best is always replaced. */
function extreme(better: (cur: number, best: number) => boolean, timestamp: boolean): RangeKernel {
  return perWindow((t, v, lo, hi) => {
    let best = v[lo], bestT = t[lo];
    for (let i = lo; i < hi; i++) {
      if (better(v[i], best) || best !== best) {
        best = v[i];
        bestT = t[i];
      }
    }
    return timestamp ? bestT / 1000 : best;
  });
}

/** max_over_time (NaN only when all values are NaN). */
export const maxOverTime: RangeKernel = extreme((c, b) => c > b, false);
/** min_over_time. */
export const minOverTime: RangeKernel = extreme((c, b) => c < b, false);
/** ts_of_max_over_time: the latest timestamp of the maximum, seconds. */
export const tsOfMaxOverTime: RangeKernel = extreme((c, b) => c >= b, true);
/** ts_of_min_over_time: the latest timestamp of the minimum, seconds. */
export const tsOfMinOverTime: RangeKernel = extreme((c, b) => c <= b, true);

/** Welford's variance with Kahan-compensated mean and sum of squares. */
function variance(v: Float64Array, lo: number, hi: number): number {
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (let i = lo; i < hi; i++) {
    count++;
    const d = v[i] - (mean + cMean);
    mean = kahanInc(d / count, mean, cMean);
    cMean = KAHAN[0];
    aux = kahanInc(d * (v[i] - (mean + cMean)), aux, cAux);
    cAux = KAHAN[0];
  }
  return (aux + cAux) / count;
}

/** stdvar_over_time: population variance. */
export const stdvarOverTime: RangeKernel = perWindow((_t, v, lo, hi) => variance(v, lo, hi));
/** stddev_over_time: population standard deviation. */
export const stddevOverTime: RangeKernel = perWindow((_t, v, lo, hi) =>
  Math.sqrt(variance(v, lo, hi))
);

let scratch = new Float64Array(64);

/** Copies v[lo..hi) into the module scratch buffer and sorts it, NaN first (as Prometheus). */
function sortedWindow(v: Float64Array, lo: number, hi: number): Float64Array {
  const n = hi - lo;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  const s = scratch.subarray(0, n);
  let nans = 0;
  for (let i = lo; i < hi; i++) if (v[i] !== v[i]) nans++;
  // NaNs go to the front; the rest is sorted ascending (typed-array sort puts NaN last).
  let j = nans;
  for (let i = lo; i < hi; i++) if (v[i] === v[i]) s[j++] = v[i];
  s.subarray(nans).sort();
  s.fill(NaN, 0, nans);
  return s;
}

/** Prometheus's quantile of a sorted set: linear interpolation between closest ranks. */
function quantileSorted(q: number, s: Float64Array): number {
  const n = s.length;
  if (n === 0 || q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return s[lower] * (1 - weight) + s[upper] * weight;
}

/** quantile_over_time(q scalar, v range-vector). The evaluator warns about q outside [0,1]. */
export const quantileOverTime: RangeKernel = (t, v, w, params, out, present) => {
  walkWindows(t, w, 0, 0, out, present, (lo, hi, k) => {
    out[k] = quantileSorted(param(params, 0, k), sortedWindow(v, lo, hi));
    present[k] = 1;
  });
};

/** mad_over_time: median absolute deviation from the median; NaN if any value is NaN. */
export const madOverTime: RangeKernel = perWindow((_t, v, lo, hi) => {
  for (let i = lo; i < hi; i++) if (v[i] !== v[i]) return NaN;
  const s = sortedWindow(v, lo, hi);
  const median = quantileSorted(0.5, s);
  for (let i = 0; i < s.length; i++) s[i] = Math.abs(s[i] - median);
  s.sort();
  return quantileSorted(0.5, s);
});

/** Least-squares fit of v over (t - interceptT) seconds; slope and intercept in module scratch. */
const REG = new Float64Array(2); // [slope, intercept]: typed-array scratch, no boxing

function linearRegression(t: Float64Array, v: Float64Array, lo: number, hi: number, at: number) {
  let n = 0, sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  const initY = v[lo];
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = v[i];
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = (t[i] - at) / 1000;
    sumX = kahanInc(x, sumX, cX);
    cX = KAHAN[0];
    sumY = kahanInc(y, sumY, cY);
    cY = KAHAN[0];
    sumXY = kahanInc(x * y, sumXY, cXY);
    cXY = KAHAN[0];
    sumX2 = kahanInc(x * x, sumX2, cX2);
    cX2 = KAHAN[0];
  }
  if (constY) {
    if (initY === Infinity || initY === -Infinity) {
      REG[0] = NaN;
      REG[1] = NaN;
    } else {
      REG[0] = 0;
      REG[1] = initY;
    }
    return;
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - sumX * sumY / n;
  const varX = sumX2 - sumX * sumX / n;
  const slope = covXY / varX;
  REG[0] = slope;
  REG[1] = sumY / n - slope * sumX / n;
}

/** deriv: per-second slope, fitted relative to the window's first sample. */
export const deriv: RangeKernel = (t, v, w, _params, out, present) => {
  walkWindows(t, w, 0, 0, out, present, (lo, hi, k) => {
    if (hi - lo < 2) return;
    linearRegression(t, v, lo, hi, t[lo]);
    out[k] = REG[0];
    present[k] = 1;
  });
};

/** predict_linear(v, seconds): the fitted value `seconds` after the step's evaluation time. */
export const predictLinear: RangeKernel = (t, v, w, params, out, present) => {
  const evalFirstT = w.evalFirstT ?? w.firstT;
  const evalStepMs = w.evalStepMs ?? w.stepMs;
  walkWindows(t, w, 0, 0, out, present, (lo, hi, k) => {
    if (hi - lo < 2) return;
    linearRegression(t, v, lo, hi, evalFirstT + k * evalStepMs);
    out[k] = REG[0] * param(params, 0, k) + REG[1];
    present[k] = 1;
  });
};

/**
 * First sample index for resets/changes. Anchored windows (which reach back by the lookback
 * delta) start at the last sample at or before the range start; -1 when no sample lies after it.
 */
function firstIndex(
  t: Float64Array,
  lo: number,
  hi: number,
  rangeStart: number,
  anchored: boolean,
) {
  if (!anchored) return lo;
  let i = lo;
  while (i < hi && t[i] <= rangeStart) i++;
  if (i >= hi) return -1;
  return i > lo ? i - 1 : lo;
}

/** Walk for resets/changes: anchored windows extend back by the lookback delta. */
function countingKernel(
  count: (v: Float64Array, from: number, hi: number) => number,
): RangeKernel {
  return (t, v, w, _params, out, present) => {
    const anchored = windowMode(w) === "anchored";
    const back = anchored ? (w.lookbackMs ?? DEFAULT_LOOKBACK_MS) : 0;
    walkWindows(t, w, back, 0, out, present, (lo, hi, k, evalT) => {
      const from = firstIndex(t, lo, hi, evalT - w.rangeMs, anchored);
      if (from < 0) return;
      out[k] = count(v, from, hi);
      present[k] = 1;
    });
  };
}

/** resets: number of decreases between consecutive samples. */
export const resets: RangeKernel = countingKernel((v, from, hi) => {
  let n = 0;
  for (let i = from + 1; i < hi; i++) if (v[i] < v[i - 1]) n++;
  return n;
});

/** changes: number of value changes between consecutive samples (NaN to NaN is no change). */
export const changes: RangeKernel = countingKernel((v, from, hi) => {
  let n = 0;
  for (let i = from + 1; i < hi; i++) {
    const a = v[i - 1], b = v[i];
    if (a !== b && !(a !== a && b !== b)) n++;
  }
  return n;
});

/** Go's %f: six decimals, with Go's spelling of infinities and NaN. */
function goFixed(x: number): string {
  if (x !== x) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  return x.toFixed(6);
}

/**
 * double_exponential_smoothing(v, sf, tf) (Holt's linear method). Needs two samples; a factor
 * outside (0, 1) fails the query, as Prometheus's panic does, for any window with samples.
 */
export const doubleExponentialSmoothing: RangeKernel = (t, v, w, params, out, present) => {
  walkWindows(t, w, 0, 0, out, present, (lo, hi, k) => {
    const sf = param(params, 0, k), tf = param(params, 1, k);
    // Written as Prometheus's check, so NaN factors pass.
    if (sf <= 0 || sf >= 1) {
      throw new RangeKernelError(
        `invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFixed(sf)}`,
      );
    }
    if (tf <= 0 || tf >= 1) {
      throw new RangeKernelError(`invalid trend factor. Expected: 0 < tf < 1, got: ${goFixed(tf)}`);
    }
    if (hi - lo < 2) return;
    let s0 = 0, s1 = v[lo], b = v[lo + 1] - v[lo];
    for (let i = lo + 1; i < hi; i++) {
      const x = sf * v[i];
      // The trend at step i-1 (the first trend is the initial slope).
      if (i - 1 > lo) b = tf * (s1 - s0) + (1 - tf) * b;
      const y = (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    out[k] = s1;
    present[k] = 1;
  });
};
