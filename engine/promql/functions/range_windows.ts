/**
 * The range-kernel interface and the window walk every kernel shares: for each step, the index
 * range of samples in the step's left-open window, found with two monotone cursors (no search,
 * no allocation).
 */

import type { KernelWindows, WasmRangeKernel } from "../../../wasm/mod.ts";

/**
 * Evaluation grid for one series (defined once, beside the WASM port that shares it): step k
 * evaluates at evalT(k) = firstT + k*stepMs (ms), already shifted by offset/@; the window of step k
 * is (evalT(k) - rangeMs, evalT(k)] (left-open). Fields are documented on `KernelWindows`.
 */
export type RangeWindows = KernelWindows;

/**
 * Fills out[k] and sets present[k]=1 where step k has a value; present[k]=0 otherwise.
 * `t`,`v` are one series' float samples (ascending ms, staleness markers already removed),
 * `params` are scalar arguments per step (Float64Array of length steps) or a number.
 * One call per series per query, never per step. Same type as the WASM kernels'.
 */
export type RangeKernel = WasmRangeKernel;

/** A kernel argument Prometheus rejects at evaluation time; default lookback delta, ms. */
export { DEFAULT_LOOKBACK_MS, RangeKernelError } from "../../../wasm/mod.ts";

/** The window mode, defaulting to "default". */
export function windowMode(w: RangeWindows): "default" | "anchored" | "smoothed" {
  return w.mode ?? "default";
}

/** Scalar argument `i` at step `k`. */
export function param(params: readonly (number | Float64Array)[], i: number, k: number): number {
  const p = params[i];
  if (p === undefined) throw new Error(`BUG: range kernel parameter ${i} missing`);
  return typeof p === "number" ? p : p[k];
}

/**
 * Per-step body: samples `lo..hi-1` lie in the (possibly extended) window of step k, which ends
 * at `evalT`. Writes out[k]/present[k] itself.
 */
export type WindowBody = (lo: number, hi: number, k: number, evalT: number) => void;

/**
 * Walks the windows of all steps. The window of step k holds samples with
 * evalT - rangeMs - backMs < t <= evalT + fwdMs. With stepMs 0 (an `@` modifier) every step
 * sees the same window; the body still runs per step, since parameters and predict_linear's
 * intercept time may vary by step.
 */
export function walkWindows(
  t: Float64Array,
  w: RangeWindows,
  backMs: number,
  fwdMs: number,
  out: Float64Array,
  present: Uint8Array,
  body: WindowBody,
): void {
  const n = t.length;
  if (w.steps <= 0) return;
  if (!(w.stepMs >= 0)) throw new Error(`BUG: negative step ${w.stepMs}`);
  if (out.length < w.steps || present.length < w.steps) {
    throw new Error(`BUG: output buffers shorter than ${w.steps} steps`);
  }
  let lo = 0, hi = 0;
  for (let k = 0; k < w.steps; k++) {
    const evalT = w.firstT + k * w.stepMs;
    if (k === 0 || w.stepMs !== 0) {
      const lower = evalT - w.rangeMs - backMs;
      const upper = evalT + fwdMs;
      while (lo < n && t[lo] <= lower) lo++;
      if (hi < lo) hi = lo;
      while (hi < n && t[hi] <= upper) hi++;
    }
    present[k] = 0;
    if (hi > lo) body(lo, hi, k, evalT);
  }
}

/**
 * Kahan-Neumaier compensation of the last `kahanInc` call, in slot 0. A typed array, not a
 * module `let`: storing doubles into a module binding boxes a heap number on every write.
 */
export const KAHAN: Float64Array = new Float64Array(1);

/**
 * sum + inc with Neumaier compensation carried in `c`; returns the new sum and leaves the new
 * compensation in `KAHAN[0]`. Prometheus's util/kahansum.Inc.
 */
export function kahanInc(inc: number, sum: number, c: number): number {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += (sum - t) + inc;
  else c += (inc - t) + sum;
  KAHAN[0] = c;
  return t;
}
