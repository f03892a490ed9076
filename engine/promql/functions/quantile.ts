/**
 * Quantile math: classic-bucket quantiles and fractions (histogram_quantile/histogram_fraction
 * over `le` buckets), native-histogram quantiles/fractions, and the quantile of a sample set.
 * Semantics follow Prometheus's promql/quantile.go (linear interpolation within a bucket,
 * monotonicity fixing, small-delta tolerance); the code is our own.
 */
import type { FloatHistogram } from "../../model/mod.ts";

/** One classic bucket: cumulative count of observations <= upperBound. */
export interface Bucket {
  upperBound: number;
  count: number;
}

/** What bucketQuantile found besides the value, for the monotonicity annotation. */
export interface BucketQuantileResult {
  value: number;
  forcedMonotonic: boolean;
  minBucket: number;
  maxBucket: number;
  maxDiff: number;
}

const SMALL_DELTA_TOLERANCE = 1e-12;

/** Relative float comparison as Prometheus's util/almost.Equal. */
export function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (a === b) return true;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  const minNormal = 2.2250738585072014e-308;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < minNormal) return diff < epsilon * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** The q-quantile of classic buckets (sorted and coalesced in place). */
export function bucketQuantile(q: number, buckets: Bucket[]): BucketQuantileResult {
  const r: BucketQuantileResult = {
    value: NaN,
    forcedMonotonic: false,
    minBucket: Infinity,
    maxBucket: -Infinity,
    maxDiff: 0,
  };
  if (Number.isNaN(q)) return r;
  if (q < 0) return { ...r, value: -Infinity };
  if (q > 1) return { ...r, value: Infinity };
  buckets.sort((a, b) => a.upperBound - b.upperBound);
  if (buckets[buckets.length - 1].upperBound !== Infinity) return r;
  buckets = coalesce(buckets);
  ensureMonotonic(buckets, r);
  if (buckets.length < 2) return r;
  const observations = buckets[buckets.length - 1].count;
  if (observations === 0) return r;
  let rank = q * observations;
  let b = buckets.length - 1;
  for (let i = 0; i < buckets.length - 1; i++) {
    if (buckets[i].count >= rank) {
      b = i;
      break;
    }
  }
  if (b === buckets.length - 1) {
    r.value = buckets[buckets.length - 2].upperBound;
  } else if (b === 0 && buckets[0].upperBound <= 0) {
    r.value = buckets[0].upperBound;
  } else {
    let bucketStart = 0;
    const bucketEnd = buckets[b].upperBound;
    let count = buckets[b].count;
    if (b > 0) {
      bucketStart = buckets[b - 1].upperBound;
      count -= buckets[b - 1].count;
      rank -= buckets[b - 1].count;
    }
    r.value = bucketStart + (bucketEnd - bucketStart) * (rank / count);
  }
  return r;
}

/** Fraction of observations between lower and upper in classic buckets. */
export function bucketFraction(lower: number, upper: number, buckets: Bucket[]): number {
  buckets.sort((a, b) => a.upperBound - b.upperBound);
  if (buckets[buckets.length - 1].upperBound !== Infinity) return NaN;
  buckets = coalesce(buckets);
  const count = buckets[buckets.length - 1].count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;
  let rank = 0, lowerRank = 0, upperRank = 0;
  let lowerSet = false, upperSet = false;
  let lowerBound = buckets[0].upperBound <= 0 ? -Infinity : 0;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    if (i > 0) lowerBound = buckets[i - 1].upperBound;
    const upperBound = b.upperBound;
    const lb = lowerBound;
    const interp = (v: number) => {
      if (lb === -Infinity) return b.count;
      return rank + (b.count - rank) * (v - lb) / (upperBound - lb);
    };
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interp(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interp(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

function coalesce(buckets: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  let last = { ...buckets[0] };
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i];
    if (b.upperBound === last.upperBound) last.count += b.count;
    else {
      out.push(last);
      last = { ...b };
    }
  }
  out.push(last);
  return out;
}

function ensureMonotonic(buckets: Bucket[], r: BucketQuantileResult): void {
  let prev = buckets[0].count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i].count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
      buckets[i].count = prev;
      continue;
    }
    if (curr < prev) {
      buckets[i].count = prev;
      r.forcedMonotonic = true;
      if (buckets[i].upperBound < r.minBucket) r.minBucket = buckets[i].upperBound;
      if (buckets[i].upperBound > r.maxBucket) r.maxBucket = buckets[i].upperBound;
      if (prev - curr > r.maxDiff) r.maxDiff = prev - curr;
      continue;
    }
    prev = curr;
  }
}

/** The q-quantile of values (sorted in place), as the `quantile` aggregation. */
export function quantileOf(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort(floatLess);
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower] * (1 - weight) + values[upper] * weight;
}

/** Ascending order with NaN first, as Prometheus's vectorByValueHeap.Less. */
export function floatLess(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One bucket of a native histogram with its bounds. */
interface HBucket {
  lower: number;
  upper: number;
  count: number;
}

/** All buckets of a native histogram from lowest to highest (negative, zero, positive). */
export function histogramBuckets(h: FloatHistogram): HBucket[] {
  const out: HBucket[] = [];
  if (h.schema === -53) {
    const cv = h.customValues ?? [];
    forEachBucket(h.positiveSpans, h.positiveBuckets, (idx, c) => {
      const lower = idx === 0 ? -Infinity : cv[idx - 1];
      const upper = idx < cv.length ? cv[idx] : Infinity;
      out.push({ lower, upper, count: c });
    });
    return out;
  }
  const zt = h.zeroThreshold;
  const clip = (b: HBucket): HBucket => {
    if (b.upper < 0 && b.upper > -zt) b.upper = -zt;
    else if (b.lower > 0 && b.lower < zt) b.lower = zt;
    return b;
  };
  const neg: HBucket[] = [];
  forEachBucket(h.negativeSpans, h.negativeBuckets, (idx, c) => {
    neg.push(clip({ lower: -bound(idx, h.schema), upper: -bound(idx - 1, h.schema), count: c }));
  });
  neg.reverse();
  out.push(...neg);
  if (h.zeroCount > 0) out.push({ lower: -zt, upper: zt, count: h.zeroCount });
  forEachBucket(h.positiveSpans, h.positiveBuckets, (idx, c) => {
    out.push(clip({ lower: bound(idx - 1, h.schema), upper: bound(idx, h.schema), count: c }));
  });
  return out;
}

function forEachBucket(
  spans: { offset: number; length: number }[],
  buckets: number[],
  fn: (idx: number, count: number) => void,
): void {
  let idx = 0, bi = 0;
  for (let s = 0; s < spans.length; s++) {
    idx += spans[s].offset;
    for (let j = 0; j < spans[s].length; j++) {
      fn(idx, buckets[bi++] ?? 0);
      idx++;
    }
  }
}

/** Upper bound of exponential bucket `idx` for `schema`. */
function bound(idx: number, schema: number): number {
  if (schema < 0) return Math.pow(2, idx * Math.pow(2, -schema));
  return Math.pow(2, idx / Math.pow(2, schema));
}

/** The q-quantile of a native histogram, with the NaN-observation annotation flags. */
export function histogramQuantileInfo(
  q: number,
  h: FloatHistogram,
): { value: number; nanResult: boolean; nanSkew: boolean } {
  const r = { value: NaN, nanResult: false, nanSkew: false };
  if (q < 0) return { ...r, value: -Infinity };
  if (q > 1) return { ...r, value: Infinity };
  if (h.count === 0 || Number.isNaN(q)) return r;
  const all = histogramBuckets(h);
  const custom = h.schema === -53;
  const forward = Number.isNaN(h.sum) || q < 0.5;
  const it = forward ? all : [...all].reverse();
  let rank = forward ? q * h.count : (1 - q) * h.count;
  let count = 0;
  let bucket: HBucket = { lower: 0, upper: 0, count: 0 };
  let i = 0;
  for (; i < it.length; i++) {
    bucket = { ...it[i] };
    if (bucket.count === 0) continue;
    count += bucket.count;
    if (count >= rank) break;
  }
  if (!custom && bucket.lower < 0 && bucket.upper > 0) {
    const hasNeg = h.negativeBuckets.length > 0, hasPos = h.positiveBuckets.length > 0;
    if (!hasNeg && hasPos) bucket.lower = 0;
    else if (!hasPos && hasNeg) bucket.upper = 0;
  } else if (custom) {
    if (bucket.lower === -Infinity) {
      if (bucket.upper <= 0) return { ...r, value: bucket.upper };
      bucket.lower = 0;
    } else if (bucket.upper === Infinity) return { ...r, value: bucket.lower };
  }
  if (count > h.count) count = h.count;
  if (count < rank) {
    if (Number.isNaN(h.sum)) return { ...r, value: NaN, nanResult: true };
    return { ...r, value: bucket.upper };
  }
  if (forward) rank -= count - bucket.count;
  else rank = count - rank;
  if (Number.isNaN(h.sum)) {
    for (i++; i < it.length; i++) count += it[i].count;
    if (count < h.count) r.nanSkew = true;
  }
  const fraction = rank / bucket.count;
  if (custom || (bucket.lower <= 0 && bucket.upper >= 0)) {
    return { ...r, value: bucket.lower + (bucket.upper - bucket.lower) * fraction };
  }
  const logLower = Math.log2(Math.abs(bucket.lower));
  const logUpper = Math.log2(Math.abs(bucket.upper));
  if (bucket.lower > 0) {
    return { ...r, value: Math.pow(2, logLower + (logUpper - logLower) * fraction) };
  }
  return { ...r, value: -Math.pow(2, logUpper + (logLower - logUpper) * (1 - fraction)) };
}

/** Fraction of a bucket's width at or below v (linear, or on a log scale for exponential buckets). */
function fractionBelow(b: HBucket, v: number, linear: boolean): number {
  if (linear) return (v - b.lower) / (b.upper - b.lower);
  const logLower = Math.log2(Math.abs(b.lower));
  const logUpper = Math.log2(Math.abs(b.upper));
  const logV = Math.log2(Math.abs(v));
  if (v > 0) return (logV - logLower) / (logUpper - logLower);
  return 1 - (logV - logUpper) / (logLower - logUpper);
}

/**
 * Fraction of a native histogram's observations between lower and upper; `nanInfo` is set when
 * NaN observations were excluded.
 */
export function histogramFraction(
  lower: number,
  upper: number,
  h: FloatHistogram,
): { value: number; nanExcluded: boolean } {
  if (h.count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) {
    return { value: NaN, nanExcluded: false };
  }
  if (lower >= upper) return { value: 0, nanExcluded: false };
  const custom = h.schema === -53;
  const all = histogramBuckets(h);
  let count = 0, rank = 0, lowerRank = 0, upperRank = 0;
  let lowerSet = false, upperSet = false;
  let i = 0;
  for (; i < all.length; i++) {
    const b = { ...all[i] };
    count += b.count;
    let zeroBucket = false;
    const linear = (v: number) =>
      b.lower === -Infinity ? b.count : rank + b.count * fractionBelow(b, v, true);
    const expo = (v: number) => rank + b.count * fractionBelow(b, v, false);
    if (b.lower <= 0 && b.upper >= 0) {
      zeroBucket = true;
      if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) b.lower = 0;
      else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) b.upper = 0;
    }
    if (!lowerSet && b.lower >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && b.lower >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && b.lower < lower && b.upper > lower) {
      lowerRank = custom || zeroBucket ? linear(lower) : expo(lower);
      lowerSet = true;
    }
    if (!upperSet && b.lower < upper && b.upper > upper) {
      upperRank = custom || zeroBucket ? linear(upper) : expo(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank += b.count;
  }
  let nanExcluded = false;
  if (Number.isNaN(h.sum)) {
    for (i++; i < all.length; i++) count += all[i].count;
    if (count < h.count) nanExcluded = true;
  } else count = h.count;
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return { value: (upperRank - lowerRank) / h.count, nanExcluded };
}
