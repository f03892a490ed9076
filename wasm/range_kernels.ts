/**
 * PromQL range-function kernels in WASM (wasm/assembly/range_kernels.ts): one call per series
 * per query. Use through wasm/mod.ts.
 * @module
 */
import { type Exports, instantiate } from "./_loader.ts";

/**
 * Evaluation grid for one series: step k evaluates at evalT(k) = firstT + k*stepMs (ms), already
 * shifted by offset/@. The window of step k is (evalT(k) - rangeMs, evalT(k)] (left-open).
 * The engine's `RangeWindows` (engine/promql/functions/range_windows.ts) is this type.
 */
export interface KernelWindows {
  firstT: number;
  stepMs: number;
  steps: number;
  rangeMs: number;
  mode?: "default" | "anchored" | "smoothed";
  /**
   * Lookback delta (ms) bounding how far an `anchored`/`smoothed` window reaches for the sample
   * before its start (and, smoothed, after its end). Default DEFAULT_LOOKBACK_MS (5m).
   */
  lookbackMs?: number;
  /**
   * predict_linear's regression is relative to the step's *unshifted* evaluation time
   * (Prometheus's `enh.Ts`): evalFirstT + k*evalStepMs, i.e. the query's own step times. Without
   * offset/@ that is firstT/stepMs (the default). With `offset o` pass evalFirstT = firstT + o;
   * with `@` (stepMs 0, a fixed window) still pass the query start and step: predict_linear is
   * not step-invariant in Prometheus, so its intercept moves with the step.
   */
  evalFirstT?: number;
  evalStepMs?: number;
}

/**
 * A batched range kernel (the engine's `RangeKernel` is this type): fills out[k] and sets
 * present[k]=1 where step k has a value, present[k]=0 otherwise. `t`,`v` are one series' float
 * samples (ascending ms, staleness markers already removed), `params` are scalar arguments per
 * step (Float64Array of length steps) or a number. One call per series per query, never per step.
 * Throws RangeKernelError for arguments Prometheus rejects.
 */
export type WasmRangeKernel = (
  t: Float64Array,
  v: Float64Array,
  w: KernelWindows,
  params: readonly (number | Float64Array)[],
  out: Float64Array,
  present: Uint8Array,
) => void;

/**
 * A kernel argument Prometheus rejects at evaluation time (e.g. a smoothing factor outside
 * (0,1)). Thrown by the WASM kernels and by the engine's TypeScript kernels alike.
 */
export class RangeKernelError extends RangeError {
  override name = "RangeKernelError";
}

/** Default lookback delta of anchored/smoothed windows, ms. */
export const DEFAULT_LOOKBACK_MS = 300_000;

let kernelExports: Exports | undefined;
let kernelIoPtr = 0;
let kernelIoCap = 0;
let kernelF64 = new Float64Array(0);
let kernelU8 = new Uint8Array(0);

/**
 * Views of the kernel instance's memory, re-created only when memory has grown (growing detaches
 * the old buffer, so its views read as empty; cheaper than comparing `memory.buffer` per call).
 */
function kernelViews(x: Exports): Float64Array {
  if (kernelF64.byteLength === 0) {
    kernelF64 = new Float64Array(x.memory.buffer as ArrayBuffer);
    kernelU8 = new Uint8Array(x.memory.buffer as ArrayBuffer);
  }
  return kernelF64;
}

/** Go's %f: six decimals, with Go's spelling of infinities and NaN. */
function goFixed(x: number): string {
  if (x !== x) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  return x.toFixed(6);
}

/**
 * A WasmRangeKernel over a series given as two parts, `t1`/`v1` then `t2`/`v2` (ascending, the
 * second starting after the first ends), as if called with their concatenation: the parts are
 * copied straight into WASM memory, so the caller needs no concatenated copy.
 */
export type WasmRangeKernelParts = (
  t1: Float64Array,
  v1: Float64Array,
  t2: Float64Array,
  v2: Float64Array,
  w: KernelWindows,
  params: readonly (number | Float64Array)[],
  out: Float64Array,
  present: Uint8Array,
) => void;

const NONE = new Float64Array(0);

function runKernel(
  fn: number,
  t: Float64Array,
  v: Float64Array,
  t2: Float64Array,
  v2: Float64Array,
  w: KernelWindows,
  params: readonly (number | Float64Array)[],
  out: Float64Array,
  present: Uint8Array,
): void {
  const x = kernelExports ??= instantiate();
  const n1 = t.length, n = n1 + t2.length, steps = Math.max(0, w.steps);
  if (v.length !== n1 || v2.length !== t2.length) {
    throw new RangeError("BUG: kernel columns differ in length");
  }
  const a0 = params[0], a1 = params[1];
  const len0 = typeof a0 === "object" ? steps : 0, len1 = typeof a1 === "object" ? steps : 0;
  const bytes = n * 16 + (len0 + len1 + steps) * 8 + steps;
  if (bytes > kernelIoCap) {
    kernelIoPtr = x.io_reserve(bytes);
    kernelIoCap = bytes;
  }
  const pT = kernelIoPtr, pV = pT + n * 8, p0 = pV + n * 8, p1 = p0 + len0 * 8;
  const pOut = p1 + len1 * 8, pPresent = pOut + steps * 8;
  let f64 = kernelViews(x);
  f64.set(t, pT >> 3);
  f64.set(v, pV >> 3);
  if (n > n1) {
    f64.set(t2, (pT >> 3) + n1);
    f64.set(v2, (pV >> 3) + n1);
  }
  if (len0) f64.set((a0 as Float64Array).subarray(0, steps), p0 >> 3);
  if (len1) f64.set((a1 as Float64Array).subarray(0, steps), p1 >> 3);
  const rc = x.range_kernel(
    fn,
    n,
    pT,
    pV,
    w.firstT,
    w.stepMs,
    w.steps,
    w.rangeMs,
    w.lookbackMs ?? DEFAULT_LOOKBACK_MS,
    w.evalFirstT ?? w.firstT,
    w.evalStepMs ?? w.stepMs,
    len0 ? p0 : 0,
    typeof a0 === "number" ? a0 : 0,
    len1 ? p1 : 0,
    typeof a1 === "number" ? a1 : 0,
    pOut,
    pPresent,
  );
  if (rc === -12) {
    throw new RangeKernelError(
      `invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFixed(x.kernel_error_value())}`,
    );
  }
  if (rc === -13) {
    throw new RangeKernelError(
      `invalid trend factor. Expected: 0 < tf < 1, got: ${goFixed(x.kernel_error_value())}`,
    );
  }
  if (rc === -11) throw new RangeError(`BUG: negative step ${w.stepMs}`);
  if (rc !== 0) throw new RangeError(`BUG: range kernel ${fn} failed (${rc})`);
  f64 = kernelViews(x); // the kernel may have grown memory (sort scratch)
  // A plain loop rather than set(subarray()): no two new views per call.
  const u8 = kernelU8, o = pOut >> 3;
  for (let k = 0; k < steps; k++) {
    out[k] = f64[o + k];
    present[k] = u8[pPresent + k];
  }
}

function kernel(fn: number, anchored = fn, smoothed = fn): WasmRangeKernel {
  const k: WasmRangeKernel = (t, v, w, params, out, present) => {
    const id = w.mode === "anchored" ? anchored : w.mode === "smoothed" ? smoothed : fn;
    runKernel(id, t, v, NONE, NONE, w, params, out, present);
  };
  partsOf.set(k, (t1, v1, t2, v2, w, params, out, present) => {
    const id = w.mode === "anchored" ? anchored : w.mode === "smoothed" ? smoothed : fn;
    runKernel(id, t1, v1, t2, v2, w, params, out, present);
  });
  return k;
}

const partsOf = new Map<WasmRangeKernel, WasmRangeKernelParts>();

/** The two-part form of a kernel of WASM_RANGE_KERNELS; undefined for any other function. */
export function wasmKernelParts(k: WasmRangeKernel): WasmRangeKernelParts | undefined {
  return partsOf.get(k);
}

/**
 * The WASM range kernels by PromQL function name (the same set and modes as the engine's
 * RANGE_KERNELS): rate/increase/delta honour anchored and smoothed windows, resets/changes
 * anchored ones. `absent_over_time` is evaluator-side.
 */
export const WASM_RANGE_KERNELS: Readonly<Record<string, WasmRangeKernel>> = Object.freeze({
  rate: kernel(1, 4, 7),
  increase: kernel(2, 5, 8),
  delta: kernel(3, 6, 9),
  irate: kernel(10),
  idelta: kernel(11),
  deriv: kernel(12),
  predict_linear: kernel(13),
  resets: kernel(14, 16, 14),
  changes: kernel(15, 17, 15),
  avg_over_time: kernel(18),
  min_over_time: kernel(19),
  max_over_time: kernel(20),
  sum_over_time: kernel(21),
  count_over_time: kernel(22),
  last_over_time: kernel(23),
  first_over_time: kernel(24),
  present_over_time: kernel(25),
  stddev_over_time: kernel(26),
  stdvar_over_time: kernel(27),
  quantile_over_time: kernel(28),
  mad_over_time: kernel(29),
  ts_of_min_over_time: kernel(30),
  ts_of_max_over_time: kernel(31),
  ts_of_last_over_time: kernel(32),
  ts_of_first_over_time: kernel(33),
  double_exponential_smoothing: kernel(34),
});
