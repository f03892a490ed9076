/**
 * Selector data access: the instant lookup with lookback (left-open `(t - lookback, t]`,
 * staleness markers end a series) and range windows `(maxT - range, maxT]` over one series'
 * loaded columns.
 */
import type { FloatHistogram } from "../model/mod.ts";
import { isStaleNaN } from "../model/mod.ts";
import type { SeriesData } from "../storage/querier.ts";

/** Index of the last element of `t` that is <= x, or -1. */
export function lastLE(t: ArrayLike<number>, x: number): number {
  let lo = 0, hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Result of an instant lookup: the sample's own timestamp and its value. */
export interface Lookup {
  t: number;
  f: number;
  h: FloatHistogram | undefined;
}

/**
 * The newest sample of `s` at or before `refT` and after `refT - lookbackMs`, or undefined when
 * there is none or the newest one is a staleness marker.
 */
export function lookupInstant(s: SeriesData, refT: number, lookbackMs: number): Lookup | undefined {
  const fi = lastLE(s.t, refT);
  let hi = -1;
  if (s.ht && s.ht.length > 0) hi = lastLE(s.ht, refT);
  const ft = fi >= 0 ? s.t[fi] : -Infinity;
  const htt = hi >= 0 ? s.ht![hi] : -Infinity;
  if (ft === -Infinity && htt === -Infinity) return undefined;
  if (ft >= htt) {
    if (ft <= refT - lookbackMs) return undefined;
    const v = s.v[fi];
    if (isStaleNaN(v)) return undefined;
    return { t: ft, f: v, h: undefined };
  }
  if (htt <= refT - lookbackMs) return undefined;
  const h = s.h![hi];
  if (isStaleNaN(h.sum)) return undefined;
  return { t: htt, f: 0, h };
}

/**
 * Allocation-free form of lookupInstant: the index of the float sample (>= 0), of the histogram
 * sample encoded as `-2 - index`, or -1 when there is no sample.
 */
export function lookupInstantIndex(s: SeriesData, refT: number, lookbackMs: number): number {
  const fi = lastLE(s.t, refT);
  const ht = s.ht;
  const hi = ht && ht.length > 0 ? lastLE(ht, refT) : -1;
  const ft = fi >= 0 ? s.t[fi] : -Infinity;
  const htt = hi >= 0 ? ht![hi] : -Infinity;
  if (ft === -Infinity && htt === -Infinity) return -1;
  if (ft >= htt) {
    if (ft <= refT - lookbackMs || isStaleNaN(s.v[fi])) return -1;
    return fi;
  }
  if (htt <= refT - lookbackMs || isStaleNaN(s.h![hi].sum)) return -1;
  return -2 - hi;
}

/** Float points (without staleness markers) of a series, as columns. */
export interface FloatColumns {
  t: Float64Array;
  v: Float64Array;
}

/** The series' float samples with staleness markers removed (shares arrays when there are none). */
export function withoutStale(s: SeriesData): FloatColumns {
  if (s.noNaN === true) return { t: s.t, v: s.v };
  let stale = 0;
  for (let i = 0; i < s.v.length; i++) if (isStaleNaN(s.v[i])) stale++;
  if (stale === 0) return { t: s.t, v: s.v };
  const t = new Float64Array(s.v.length - stale);
  const v = new Float64Array(s.v.length - stale);
  let j = 0;
  for (let i = 0; i < s.v.length; i++) {
    if (isStaleNaN(s.v[i])) continue;
    t[j] = s.t[i];
    v[j] = s.v[i];
    j++;
  }
  return { t, v };
}

/** Histogram points of a series without staleness markers. */
export function histogramsWithoutStale(s: SeriesData): { t: number[]; h: FloatHistogram[] } {
  const t: number[] = [];
  const h: FloatHistogram[] = [];
  if (!s.ht || !s.h) return { t, h };
  for (let i = 0; i < s.ht.length; i++) {
    if (isStaleNaN(s.h[i].sum)) continue;
    t.push(s.ht[i]);
    h.push(s.h[i]);
  }
  return { t, h };
}
