/**
 * rate / increase / delta (extrapolated, and the `anchored` / `smoothed` forms) and irate / idelta.
 * Prometheus 3 semantics: the result is extrapolated towards the window edges unless the first or
 * last sample is more than 1.1 average sample intervals away from them (then only half an
 * interval); a counter is never extrapolated below zero.
 */
import { DEFAULT_LOOKBACK_MS, type RangeKernel, walkWindows } from "./range_windows.ts";

/** rate/increase/delta over left-open windows with Prometheus's extrapolation. */
function extrapolated(isCounter: boolean, isRate: boolean): RangeKernel {
  return (t, v, w, _params, out, present) => {
    const rangeS = w.rangeMs / 1000;
    walkWindows(t, w, 0, 0, out, present, (lo, hi, k, evalT) => {
      const n = hi - lo;
      if (n < 2) return;
      const firstT = t[lo], lastT = t[hi - 1];
      let result = v[hi - 1] - v[lo];
      if (isCounter) {
        for (let i = lo + 1; i < hi; i++) if (v[i] < v[i - 1]) result += v[i - 1];
      }
      const rangeStart = evalT - w.rangeMs;
      let toStart = (firstT - rangeStart) / 1000;
      let toEnd = (evalT - lastT) / 1000;
      const sampled = (lastT - firstT) / 1000;
      const avg = sampled / (n - 1);
      const threshold = avg * 1.1;
      if (toStart >= threshold) toStart = avg / 2;
      if (isCounter && result > 0 && v[lo] >= 0) {
        // Do not extrapolate to before the counter's zero point.
        const toZero = sampled * (v[lo] / result);
        if (toZero < toStart) toStart = toZero;
      }
      if (toEnd >= threshold) toEnd = avg / 2;
      let factor = sampled !== 0 ? (sampled + toStart + toEnd) / sampled : 1;
      if (isRate) factor /= rangeS;
      out[k] = result * factor;
      present[k] = 1;
    });
  };
}

/** Linear interpolation of (t1,y1)-(t2,y2) at `at`; a counter reset makes y1 count from 0. */
function interpolate(
  t1: number,
  y1: number,
  t2: number,
  y2: number,
  at: number,
  isCounter: boolean,
): number {
  if (isCounter && y2 < y1) y1 = 0;
  return y1 + (y2 - y1) * (at - t1) / (t2 - t1);
}

/**
 * The `anchored` (samples extend back to the last one at or before the window start) and
 * `smoothed` (values interpolated at both window edges) forms of rate/increase/delta.
 */
function extended(isCounter: boolean, isRate: boolean, smoothed: boolean): RangeKernel {
  return (t, v, w, _params, out, present) => {
    const lookback = w.lookbackMs ?? DEFAULT_LOOKBACK_MS;
    const rangeS = w.rangeMs / 1000;
    walkWindows(t, w, lookback, smoothed ? lookback : 0, out, present, (lo, hi, k, evalT) => {
      const rangeStart = evalT - w.rangeMs, rangeEnd = evalT;
      let last = hi - 1;
      // The last sample at or before rangeStart anchors the left edge (or the first sample).
      let first = lo;
      while (first < last && t[first] <= rangeStart) first++;
      if (first > lo) first--;
      if (smoothed) {
        // The first sample at or after rangeEnd anchors the right edge.
        let j = lo;
        while (j < hi - 1 && t[j] < rangeEnd) j++;
        last = j;
      }
      if (t[last] <= rangeStart) return;
      if (smoothed && t[first] > rangeEnd) return;
      const left = smoothed && t[first] < rangeStart
        ? interpolate(t[first], v[first], t[first + 1], v[first + 1], rangeStart, isCounter)
        : v[first];
      const right = smoothed && last > lo && t[last] > rangeEnd
        ? interpolate(t[last - 1], v[last - 1], t[last], v[last], rangeEnd, isCounter)
        : v[last];
      let result = right - left;
      if (isCounter) {
        // Resets strictly inside the window; the edges were handled by the interpolation.
        let a = first, b = last;
        if (t[a] <= rangeStart) a++;
        if (t[b] >= rangeEnd) b--;
        let correction = 0, prev = left;
        for (let i = a; i <= b; i++) {
          if (v[i] < prev) correction += prev;
          prev = v[i];
        }
        if (right < prev) correction += prev;
        result += correction;
      }
      out[k] = isRate ? result / rangeS : result;
      present[k] = 1;
    });
  };
}

/** irate / idelta: the last two samples of the window. */
function instant(isRate: boolean): RangeKernel {
  return (t, v, w, _params, out, present) => {
    walkWindows(t, w, 0, 0, out, present, (lo, hi, k) => {
      if (hi - lo < 2) return;
      const t0 = t[hi - 2], t1 = t[hi - 1], v0 = v[hi - 2], v1 = v[hi - 1];
      const dt = t1 - t0;
      if (dt === 0) return;
      // A counter reset leaves the last value as the increase.
      let r = isRate && v1 < v0 ? v1 : v1 - v0;
      if (isRate) r /= dt / 1000;
      out[k] = r;
      present[k] = 1;
    });
  };
}

/** rate(v range-vector): per-second increase, extrapolated. */
export const rate: RangeKernel = extrapolated(true, true);
/** increase(v range-vector): increase over the window, extrapolated. */
export const increase: RangeKernel = extrapolated(true, false);
/** delta(v range-vector): gauge difference over the window, extrapolated. */
export const delta: RangeKernel = extrapolated(false, false);
/** rate(v[r] anchored). */
export const rateAnchored: RangeKernel = extended(true, true, false);
/** increase(v[r] anchored). */
export const increaseAnchored: RangeKernel = extended(true, false, false);
/** delta(v[r] anchored). */
export const deltaAnchored: RangeKernel = extended(false, false, false);
/** rate(v[r] smoothed). */
export const rateSmoothed: RangeKernel = extended(true, true, true);
/** increase(v[r] smoothed). */
export const increaseSmoothed: RangeKernel = extended(true, false, true);
/** delta(v[r] smoothed). */
export const deltaSmoothed: RangeKernel = extended(false, false, true);
/** irate(v range-vector): per-second rate of the last two samples. */
export const irate: RangeKernel = instant(true);
/** idelta(v range-vector): difference of the last two samples. */
export const idelta: RangeKernel = instant(false);
