/**
 * Range-function kernels: the float math of PromQL functions over range vectors (`rate`,
 * `*_over_time`, `deriv`, ...), evaluated for one series over all steps of a query in one call.
 * Semantics follow Prometheus 3's promql/functions.go (left-open windows, extrapolated rates,
 * Kahan summation); the code is our own. Histogram samples and metric-name annotations are the
 * evaluator's business; kernels only see float samples with staleness markers removed.
 *
 * These TypeScript kernels are the oracle for the later WASM port.
 */
import {
  delta,
  deltaAnchored,
  deltaSmoothed,
  idelta,
  increase,
  increaseAnchored,
  increaseSmoothed,
  irate,
  rate,
  rateAnchored,
  rateSmoothed,
} from "./range_rate.ts";
import {
  avgOverTime,
  changes,
  countOverTime,
  deriv,
  doubleExponentialSmoothing,
  firstOverTime,
  lastOverTime,
  madOverTime,
  maxOverTime,
  minOverTime,
  predictLinear,
  presentOverTime,
  quantileOverTime,
  resets,
  stddevOverTime,
  stdvarOverTime,
  sumOverTime,
  tsOfFirstOverTime,
  tsOfLastOverTime,
  tsOfMaxOverTime,
  tsOfMinOverTime,
} from "./range_over_time.ts";
import { type RangeKernel, windowMode } from "./range_windows.ts";

export type { RangeKernel, RangeWindows } from "./range_windows.ts";
export { RangeKernelError } from "./range_windows.ts";

/** Dispatches on `w.mode` for the functions that accept `anchored` / `smoothed` selectors. */
function byMode(def: RangeKernel, anchored: RangeKernel, smoothed?: RangeKernel): RangeKernel {
  return (t, v, w, params, out, present) => {
    const mode = windowMode(w);
    const k = mode === "anchored" ? anchored : mode === "smoothed" && smoothed ? smoothed : def;
    k(t, v, w, params, out, present);
  };
}

/**
 * Kernels by PromQL function name. `absent_over_time` is evaluator-side (it needs labels).
 * rate/increase/delta honour all three modes, resets/changes default and anchored; for the other
 * functions Prometheus rejects `anchored`/`smoothed` before evaluation.
 */
export const RANGE_KERNELS: Readonly<Record<string, RangeKernel>> = Object.freeze({
  rate: byMode(rate, rateAnchored, rateSmoothed),
  increase: byMode(increase, increaseAnchored, increaseSmoothed),
  delta: byMode(delta, deltaAnchored, deltaSmoothed),
  irate,
  idelta,
  deriv,
  predict_linear: predictLinear,
  resets: byMode(resets, resets),
  changes: byMode(changes, changes),
  avg_over_time: avgOverTime,
  min_over_time: minOverTime,
  max_over_time: maxOverTime,
  sum_over_time: sumOverTime,
  count_over_time: countOverTime,
  last_over_time: lastOverTime,
  first_over_time: firstOverTime,
  present_over_time: presentOverTime,
  stddev_over_time: stddevOverTime,
  stdvar_over_time: stdvarOverTime,
  quantile_over_time: quantileOverTime,
  mad_over_time: madOverTime,
  ts_of_min_over_time: tsOfMinOverTime,
  ts_of_max_over_time: tsOfMaxOverTime,
  ts_of_last_over_time: tsOfLastOverTime,
  ts_of_first_over_time: tsOfFirstOverTime,
  double_exponential_smoothing: doubleExponentialSmoothing,
});
