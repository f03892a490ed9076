// PromQL range-function kernels, batched: one call evaluates one series over every step of a
// query. A port of the TypeScript kernels in engine/promql/functions/range_*.ts (the oracle; same
// operation order so results are bit-identical), which follow Prometheus 3's promql/functions.go
// semantics: left-open windows (evalT - range, evalT], extrapolated rates, Kahan-Neumaier sums.
// Samples are f64 columns (ms timestamps, values) with staleness markers already removed.

import { alloc, classOf, classSize, free } from "./alloc";

// Kernel ids (mod.ts mirrors them).
const K_RATE: u32 = 1;
const K_INCREASE: u32 = 2;
const K_DELTA: u32 = 3;
const K_RATE_ANCHORED: u32 = 4;
const K_INCREASE_ANCHORED: u32 = 5;
const K_DELTA_ANCHORED: u32 = 6;
const K_RATE_SMOOTHED: u32 = 7;
const K_INCREASE_SMOOTHED: u32 = 8;
const K_DELTA_SMOOTHED: u32 = 9;
const K_IRATE: u32 = 10;
const K_IDELTA: u32 = 11;
const K_DERIV: u32 = 12;
const K_PREDICT_LINEAR: u32 = 13;
const K_RESETS: u32 = 14;
const K_CHANGES: u32 = 15;
const K_RESETS_ANCHORED: u32 = 16;
const K_CHANGES_ANCHORED: u32 = 17;
const K_AVG: u32 = 18;
const K_MIN: u32 = 19;
const K_MAX: u32 = 20;
const K_SUM: u32 = 21;
const K_COUNT: u32 = 22;
const K_LAST: u32 = 23;
const K_FIRST: u32 = 24;
const K_PRESENT: u32 = 25;
const K_STDDEV: u32 = 26;
const K_STDVAR: u32 = 27;
const K_QUANTILE: u32 = 28;
const K_MAD: u32 = 29;
const K_TS_OF_MIN: u32 = 30;
const K_TS_OF_MAX: u32 = 31;
const K_TS_OF_LAST: u32 = 32;
const K_TS_OF_FIRST: u32 = 33;
const K_DOUBLE_EXP: u32 = 34;
const K_LAST_ID: u32 = 34;

/** Errors: unknown kernel, negative step, smoothing / trend factor outside (0, 1). */
const ERR_KERNEL: i32 = -10;
const ERR_STEP: i32 = -11;
const ERR_SMOOTHING: i32 = -12;
const ERR_TREND: i32 = -13;

// Call state (globals keep the per-window bodies free of long argument lists).
let T: usize = 0;
let V: usize = 0;
let OUT: usize = 0;
let PRESENT: usize = 0;
let rangeMs: f64 = 0;
let evalFirstT: f64 = 0;
let evalStepMs: f64 = 0;
let p0Ptr: usize = 0;
let p0: f64 = 0;
let p1Ptr: usize = 0;
let p1: f64 = 0;
/** True unless the call's series has no counter reset (set per call for rate and increase). */
let hasResets = true;
/** The offending factor after ERR_SMOOTHING / ERR_TREND, read by the host with kernel_error_value. */
let errValue: f64 = 0;

// @ts-ignore: decorator
@inline function tt(i: i32): f64 {
  return load<f64>(T + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function vv(i: i32): f64 {
  return load<f64>(V + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function put(k: i32, x: f64): void {
  store<f64>(OUT + (<usize>k << 3), x);
  store<u8>(PRESENT + <usize>k, 1);
}

// @ts-ignore: decorator
@inline function param0(k: i32): f64 {
  return p0Ptr != 0 ? load<f64>(p0Ptr + (<usize>k << 3)) : p0;
}

// @ts-ignore: decorator
@inline function param1(k: i32): f64 {
  return p1Ptr != 0 ? load<f64>(p1Ptr + (<usize>k << 3)) : p1;
}

let kahanC: f64 = 0;

/** sum + inc with Neumaier compensation `c`; the new compensation is left in kahanC. */
// @ts-ignore: decorator
@inline function kahanInc(inc: f64, sum: f64, c: f64): f64 {
  const t = sum + inc;
  if (t == Infinity || t == -Infinity) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += (sum - t) + inc;
  else c += (inc - t) + sum;
  kahanC = c;
  return t;
}

/**
 * Evaluates kernel `fn` over `n` samples at `t`/`v` for `steps` steps: step k ends at
 * firstT + k*stepMs, its window is (end - rangeMs, end] (widened by the lookback for anchored and
 * smoothed kernels). Writes out[k] (f64) and present[k] (u8 0/1). Parameters: scalar `p0`/`p1`, or
 * per-step f64 arrays at `p0Ptr`/`p1Ptr` when those are not 0. Returns 0 or an error code.
 */
export function range_kernel(
  fn: u32, n: i32, t: usize, v: usize,
  firstT: f64, stepMs: f64, steps: i32, range: f64, lookbackMs: f64,
  evalFirst: f64, evalStep: f64,
  q0Ptr: usize, q0: f64, q1Ptr: usize, q1: f64,
  out: usize, present: usize,
): i32 {
  if (fn == 0 || fn > K_LAST_ID) return ERR_KERNEL;
  T = t;
  V = v;
  OUT = out;
  PRESENT = present;
  rangeMs = range;
  evalFirstT = evalFirst;
  evalStepMs = evalStep;
  p0Ptr = q0Ptr;
  p0 = q0;
  p1Ptr = q1Ptr;
  p1 = q1;
  let back: f64 = 0;
  let fwd: f64 = 0;
  if ((fn >= K_RATE_ANCHORED && fn <= K_DELTA_SMOOTHED) || fn == K_RESETS_ANCHORED || fn == K_CHANGES_ANCHORED) {
    back = lookbackMs;
  }
  if (fn >= K_RATE_SMOOTHED && fn <= K_DELTA_SMOOTHED) fwd = lookbackMs;
  if (steps <= 0) return 0;
  if (!(stepMs >= 0)) return ERR_STEP;
  // Counter resets anywhere in the series: without any, no window needs its reset loop.
  hasResets = false;
  if (fn == K_RATE || fn == K_INCREASE) {
    for (let i: i32 = 1; i < n; i++) {
      if (vv(i) < vv(i - 1)) {
        hasResets = true;
        break;
      }
    }
  }
  let lo: i32 = 0;
  let hi: i32 = 0;
  for (let k: i32 = 0; k < steps; k++) {
    const evalT = firstT + <f64>k * stepMs;
    // With stepMs 0 (an `@` modifier) every step sees the same window, but the body still runs
    // per step: parameters and predict_linear's intercept time may vary by step.
    if (k == 0 || stepMs != 0) {
      const lower = evalT - range - back;
      const upper = evalT + fwd;
      while (lo < n && tt(lo) <= lower) lo++;
      if (hi < lo) hi = lo;
      while (hi < n && tt(hi) <= upper) hi++;
    }
    store<u8>(present + <usize>k, 0);
    if (hi > lo) {
      const rc = body(fn, lo, hi, k, evalT);
      if (rc < 0) return rc;
    }
  }
  return 0;
}

/** The factor that made the last call fail with a smoothing / trend factor error. */
export function kernel_error_value(): f64 {
  return errValue;
}

function body(fn: u32, lo: i32, hi: i32, k: i32, evalT: f64): i32 {
  switch (fn) {
    case K_RATE: extrapolated(true, true, lo, hi, k, evalT); break;
    case K_INCREASE: extrapolated(true, false, lo, hi, k, evalT); break;
    case K_DELTA: extrapolated(false, false, lo, hi, k, evalT); break;
    case K_RATE_ANCHORED: extended(true, true, false, lo, hi, k, evalT); break;
    case K_INCREASE_ANCHORED: extended(true, false, false, lo, hi, k, evalT); break;
    case K_DELTA_ANCHORED: extended(false, false, false, lo, hi, k, evalT); break;
    case K_RATE_SMOOTHED: extended(true, true, true, lo, hi, k, evalT); break;
    case K_INCREASE_SMOOTHED: extended(true, false, true, lo, hi, k, evalT); break;
    case K_DELTA_SMOOTHED: extended(false, false, true, lo, hi, k, evalT); break;
    case K_IRATE: instant(true, lo, hi, k); break;
    case K_IDELTA: instant(false, lo, hi, k); break;
    case K_DERIV: {
      if (hi - lo < 2) break;
      linearRegression(lo, hi, tt(lo));
      put(k, regSlope);
      break;
    }
    case K_PREDICT_LINEAR: {
      if (hi - lo < 2) break;
      linearRegression(lo, hi, evalFirstT + <f64>k * evalStepMs);
      put(k, regSlope * param0(k) + regIntercept);
      break;
    }
    case K_RESETS: counting(false, false, lo, hi, k, evalT); break;
    case K_CHANGES: counting(true, false, lo, hi, k, evalT); break;
    case K_RESETS_ANCHORED: counting(false, true, lo, hi, k, evalT); break;
    case K_CHANGES_ANCHORED: counting(true, true, lo, hi, k, evalT); break;
    case K_AVG: put(k, avg(lo, hi)); break;
    case K_SUM: {
      let sum: f64 = 0;
      let c: f64 = 0;
      for (let i = lo; i < hi; i++) {
        sum = kahanInc(vv(i), sum, c);
        c = kahanC;
      }
      put(k, sum == Infinity || sum == -Infinity ? sum : sum + c);
      break;
    }
    case K_COUNT: put(k, <f64>(hi - lo)); break;
    case K_PRESENT: put(k, 1); break;
    case K_LAST: put(k, vv(hi - 1)); break;
    case K_FIRST: put(k, vv(lo)); break;
    case K_TS_OF_LAST: put(k, tt(hi - 1) / 1000); break;
    case K_TS_OF_FIRST: put(k, tt(lo) / 1000); break;
    case K_MAX: put(k, extreme(0, lo, hi)); break;
    case K_MIN: put(k, extreme(1, lo, hi)); break;
    case K_TS_OF_MAX: put(k, extreme(2, lo, hi)); break;
    case K_TS_OF_MIN: put(k, extreme(3, lo, hi)); break;
    case K_STDVAR: put(k, variance(lo, hi)); break;
    case K_STDDEV: put(k, Math.sqrt(variance(lo, hi))); break;
    case K_QUANTILE: {
      const n = sortedWindow(lo, hi);
      put(k, quantileSorted(param0(k), n));
      break;
    }
    case K_MAD: put(k, mad(lo, hi)); break;
    case K_DOUBLE_EXP: return doubleExp(lo, hi, k);
    default: return ERR_KERNEL;
  }
  return 0;
}

function extrapolated(isCounter: bool, isRate: bool, lo: i32, hi: i32, k: i32, evalT: f64): void {
  const n = hi - lo;
  if (n < 2) return;
  const firstT = tt(lo);
  const lastT = tt(hi - 1);
  let result = vv(hi - 1) - vv(lo);
  if (isCounter && hasResets) {
    let prev = vv(lo);
    for (let i = lo + 1; i < hi; i++) {
      const x = vv(i);
      if (x < prev) result += prev;
      prev = x;
    }
  }
  const rangeStart = evalT - rangeMs;
  let toStart = (firstT - rangeStart) / 1000;
  let toEnd = (evalT - lastT) / 1000;
  const sampled = (lastT - firstT) / 1000;
  const avgInterval = sampled / <f64>(n - 1);
  const threshold = avgInterval * 1.1;
  if (toStart >= threshold) toStart = avgInterval / 2;
  if (isCounter && result > 0 && vv(lo) >= 0) {
    const toZero = sampled * (vv(lo) / result);
    if (toZero < toStart) toStart = toZero;
  }
  if (toEnd >= threshold) toEnd = avgInterval / 2;
  let factor: f64 = sampled != 0 ? (sampled + toStart + toEnd) / sampled : 1;
  if (isRate) factor /= rangeMs / 1000;
  put(k, result * factor);
}

// @ts-ignore: decorator
@inline function interpolate(t1: f64, y1: f64, t2: f64, y2: f64, at: f64, isCounter: bool): f64 {
  if (isCounter && y2 < y1) y1 = 0;
  return y1 + (y2 - y1) * (at - t1) / (t2 - t1);
}

function extended(isCounter: bool, isRate: bool, smoothed: bool, lo: i32, hi: i32, k: i32, evalT: f64): void {
  const rangeStart = evalT - rangeMs;
  const rangeEnd = evalT;
  let last = hi - 1;
  let first = lo;
  while (first < last && tt(first) <= rangeStart) first++;
  if (first > lo) first--;
  if (smoothed) {
    let j = lo;
    while (j < hi - 1 && tt(j) < rangeEnd) j++;
    last = j;
  }
  if (tt(last) <= rangeStart) return;
  if (smoothed && tt(first) > rangeEnd) return;
  const left = smoothed && tt(first) < rangeStart
    ? interpolate(tt(first), vv(first), tt(first + 1), vv(first + 1), rangeStart, isCounter)
    : vv(first);
  const right = smoothed && last > lo && tt(last) > rangeEnd
    ? interpolate(tt(last - 1), vv(last - 1), tt(last), vv(last), rangeEnd, isCounter)
    : vv(last);
  let result = right - left;
  if (isCounter) {
    let a = first;
    let b = last;
    if (tt(a) <= rangeStart) a++;
    if (tt(b) >= rangeEnd) b--;
    let correction: f64 = 0;
    let prev = left;
    for (let i = a; i <= b; i++) {
      if (vv(i) < prev) correction += prev;
      prev = vv(i);
    }
    if (right < prev) correction += prev;
    result += correction;
  }
  put(k, isRate ? result / (rangeMs / 1000) : result);
}

function instant(isRate: bool, lo: i32, hi: i32, k: i32): void {
  if (hi - lo < 2) return;
  const t0 = tt(hi - 2);
  const t1 = tt(hi - 1);
  const v0 = vv(hi - 2);
  const v1 = vv(hi - 1);
  const dt = t1 - t0;
  if (dt == 0) return;
  let r = isRate && v1 < v0 ? v1 : v1 - v0;
  if (isRate) r /= dt / 1000;
  put(k, r);
}

function avg(lo: i32, hi: i32): f64 {
  // First the compensated sum without the overflow checks. A partial sum that overflows stays
  // infinite or NaN to the end, so when it ends finite no step overflowed and this loop did
  // exactly what the checked one below does; otherwise the checked one runs.
  let fs = vv(lo);
  let fc: f64 = 0;
  for (let i = lo + 1; i < hi; i++) {
    const x = vv(i);
    const t = fs + x;
    fc += Math.abs(fs) >= Math.abs(x) ? (fs - t) + x : (x - t) + fs;
    fs = t;
  }
  if (isFinite<f64>(fs)) {
    const n = <f64>(hi - lo);
    return fs / n + fc / n;
  }
  let sum = vv(lo);
  let c: f64 = 0;
  let count: f64 = 1;
  let mean: f64 = 0;
  let incremental = false;
  for (let i = lo + 1; i < hi; i++) {
    count = <f64>(i - lo + 1);
    if (!incremental) {
      const s = kahanInc(vv(i), sum, c);
      if (s != Infinity && s != -Infinity) {
        sum = s;
        c = kahanC;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    mean = kahanInc(vv(i) / count, q * mean, q * c);
    c = kahanC;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

/** kind 0 max, 1 min, 2 ts of max (latest), 3 ts of min (latest); a NaN best is always replaced. */
function extreme(kind: i32, lo: i32, hi: i32): f64 {
  let best = vv(lo);
  let bestT = tt(lo);
  for (let i = lo; i < hi; i++) {
    const c = vv(i);
    let better: bool;
    if (kind == 0) better = c > best;
    else if (kind == 1) better = c < best;
    else if (kind == 2) better = c >= best;
    else better = c <= best;
    if (better || best != best) {
      best = c;
      bestT = tt(i);
    }
  }
  return kind >= 2 ? bestT / 1000 : best;
}

function variance(lo: i32, hi: i32): f64 {
  let count: f64 = 0;
  let mean: f64 = 0;
  let cMean: f64 = 0;
  let aux: f64 = 0;
  let cAux: f64 = 0;
  for (let i = lo; i < hi; i++) {
    count++;
    const x = vv(i);
    const d = x - (mean + cMean);
    mean = kahanInc(d / count, mean, cMean);
    cMean = kahanC;
    aux = kahanInc(d * (x - (mean + cMean)), aux, cAux);
    cAux = kahanC;
  }
  return (aux + cAux) / count;
}

// Sort scratch (grown with the allocator, reused across calls).
let scratch: usize = 0;
let scratchCap: usize = 0;

function ensureScratch(n: i32): void {
  const bytes = <usize>n << 3;
  if (bytes <= scratchCap) return;
  if (scratch != 0) free(scratch, scratchCap);
  scratchCap = classSize(classOf(bytes));
  scratch = alloc(bytes);
}

// @ts-ignore: decorator
@inline function sAt(i: i32): f64 {
  return load<f64>(scratch + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function sSet(i: i32, x: f64): void {
  store<f64>(scratch + (<usize>i << 3), x);
}

/** Total order of a typed-array sort for non-NaN values: numeric, -0 before +0. */
// @ts-ignore: decorator
@inline function less(a: f64, b: f64): bool {
  if (a < b) return true;
  if (a == 0 && b == 0) return (reinterpret<u64>(a) >> 63) > (reinterpret<u64>(b) >> 63);
  return false;
}

/** Sorts scratch[from, to) ascending (no NaN): insertion sort when short, else heapsort. */
function sortScratch(from: i32, to: i32): void {
  const n = to - from;
  if (n <= 24) {
    for (let i = from + 1; i < to; i++) {
      const x = sAt(i);
      let j = i - 1;
      while (j >= from && less(x, sAt(j))) {
        sSet(j + 1, sAt(j));
        j--;
      }
      sSet(j + 1, x);
    }
    return;
  }
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(from, i, n);
  for (let end = n - 1; end > 0; end--) {
    const x = sAt(from);
    sSet(from, sAt(from + end));
    sSet(from + end, x);
    siftDown(from, 0, end);
  }
}

function siftDown(base: i32, i: i32, n: i32): void {
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) return;
    if (c + 1 < n && less(sAt(base + c), sAt(base + c + 1))) c++;
    if (!less(sAt(base + i), sAt(base + c))) return;
    const x = sAt(base + i);
    sSet(base + i, sAt(base + c));
    sSet(base + c, x);
    i = c;
  }
}

/** Copies v[lo, hi) into scratch sorted, NaNs first (as Prometheus); returns the count. */
function sortedWindow(lo: i32, hi: i32): i32 {
  const n = hi - lo;
  ensureScratch(n);
  let nans = 0;
  for (let i = lo; i < hi; i++) if (vv(i) != vv(i)) nans++;
  let j = nans;
  for (let i = lo; i < hi; i++) {
    const x = vv(i);
    if (x == x) sSet(j++, x);
  }
  sortScratch(nans, n);
  for (let i = 0; i < nans; i++) sSet(i, NaN);
  return n;
}

/** Prometheus's quantile of sorted scratch[0, n): linear interpolation between closest ranks. */
function quantileSorted(q: f64, n: i32): f64 {
  if (n == 0 || q != q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * <f64>(n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(<f64>(n - 1), lower + 1);
  const weight = rank - Math.floor(rank);
  return sAt(<i32>lower) * (1 - weight) + sAt(<i32>upper) * weight;
}

function mad(lo: i32, hi: i32): f64 {
  for (let i = lo; i < hi; i++) if (vv(i) != vv(i)) return NaN;
  const n = sortedWindow(lo, hi);
  const median = quantileSorted(0.5, n);
  for (let i = 0; i < n; i++) sSet(i, Math.abs(sAt(i) - median));
  sortScratch(0, n);
  return quantileSorted(0.5, n);
}

let regSlope: f64 = 0;
let regIntercept: f64 = 0;

function linearRegression(lo: i32, hi: i32, at: f64): void {
  let n: f64 = 0;
  let sumX: f64 = 0;
  let cX: f64 = 0;
  let sumY: f64 = 0;
  let cY: f64 = 0;
  let sumXY: f64 = 0;
  let cXY: f64 = 0;
  let sumX2: f64 = 0;
  let cX2: f64 = 0;
  const initY = vv(lo);
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = vv(i);
    if (constY && i > lo && y != initY) constY = false;
    n += 1;
    const x = (tt(i) - at) / 1000;
    sumX = kahanInc(x, sumX, cX);
    cX = kahanC;
    sumY = kahanInc(y, sumY, cY);
    cY = kahanC;
    sumXY = kahanInc(x * y, sumXY, cXY);
    cXY = kahanC;
    sumX2 = kahanInc(x * x, sumX2, cX2);
    cX2 = kahanC;
  }
  if (constY) {
    if (initY == Infinity || initY == -Infinity) {
      regSlope = NaN;
      regIntercept = NaN;
    } else {
      regSlope = 0;
      regIntercept = initY;
    }
    return;
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - sumX * sumY / n;
  const varX = sumX2 - sumX * sumX / n;
  regSlope = covXY / varX;
  regIntercept = sumY / n - regSlope * sumX / n;
}

function counting(isChanges: bool, anchored: bool, lo: i32, hi: i32, k: i32, evalT: f64): void {
  let from = lo;
  if (anchored) {
    const rangeStart = evalT - rangeMs;
    let i = lo;
    while (i < hi && tt(i) <= rangeStart) i++;
    if (i >= hi) return;
    from = i > lo ? i - 1 : lo;
  }
  let n: f64 = 0;
  for (let i = from + 1; i < hi; i++) {
    const a = vv(i - 1);
    const b = vv(i);
    if (isChanges) {
      if (a != b && !(a != a && b != b)) n++;
    } else if (b < a) {
      n++;
    }
  }
  put(k, n);
}

function doubleExp(lo: i32, hi: i32, k: i32): i32 {
  const sf = param0(k);
  const tf = param1(k);
  if (sf <= 0 || sf >= 1) {
    errValue = sf;
    return ERR_SMOOTHING;
  }
  if (tf <= 0 || tf >= 1) {
    errValue = tf;
    return ERR_TREND;
  }
  if (hi - lo < 2) return 0;
  let s0: f64 = 0;
  let s1 = vv(lo);
  let b = vv(lo + 1) - vv(lo);
  for (let i = lo + 1; i < hi; i++) {
    const x = sf * vv(i);
    if (i - 1 > lo) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  put(k, s1);
  return 0;
}
