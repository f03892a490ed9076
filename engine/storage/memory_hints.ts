/**
 * The counter-reset hints a Prometheus TSDB reports when native histograms are read back, so that
 * MemoryStorage answers like the storage the PromQL corpus was written against.
 *
 * The TSDB keeps histograms in chunks and cuts a new chunk on a counter reset (detected, or hinted
 * explicitly), a schema or zero-threshold change, a switch between gauge and counter histograms,
 * an interleaved float sample, a stale marker, or a full chunk. On read, gauge chunks yield
 * "gauge", the first histogram of any other chunk yields "unknown" (the TSDB cannot trust the
 * chunk before it) and every later one "not_reset". Written from Prometheus's
 * tsdb/chunkenc/float_histogram.go behaviour; no code copied.
 */
import type { BucketSpan, CounterResetHint, FloatHistogram } from "../model/histogram.ts";
import { isStaleNaN } from "../model/value.ts";

/** Samples per chunk before the TSDB cuts a new one. */
const SAMPLES_PER_CHUNK = 120;

/** Absolute bucket index -> count. */
function expand(spans: readonly BucketSpan[], buckets: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  let idx = 0, k = 0;
  for (const s of spans) {
    idx += s.offset;
    for (let j = 0; j < s.length; j++, idx++, k++) out.set(idx, buckets[k]);
  }
  return out;
}

/** A bucket that shrank, or a used bucket that disappeared, is a counter reset. */
function bucketsReset(
  prevSpans: readonly BucketSpan[],
  prevBuckets: readonly number[],
  spans: readonly BucketSpan[],
  buckets: readonly number[],
): boolean {
  const cur = expand(spans, buckets);
  for (const [i, c] of expand(prevSpans, prevBuckets)) {
    const d = cur.get(i);
    if (d === undefined ? c !== 0 : d < c) return true;
  }
  return false;
}

type Append = "same" | "new chunk" | "reset";

/** How the TSDB appends counter histogram `h` after `prev` in the same chunk. */
function appendCounter(prev: FloatHistogram, h: FloatHistogram): Append {
  if (h.counterResetHint === "reset") return "reset";
  if (isStaleNaN(h.sum)) return "same";
  if (isStaleNaN(prev.sum)) return "new chunk";
  if (h.count < prev.count) return "reset";
  if (h.schema !== prev.schema || h.zeroThreshold !== prev.zeroThreshold) return "new chunk";
  if (h.schema === -53) {
    const a = h.customValues ?? [], b = prev.customValues ?? [];
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) return "reset";
  }
  if (h.zeroCount < prev.zeroCount) return "reset";
  if (bucketsReset(prev.positiveSpans, prev.positiveBuckets, h.positiveSpans, h.positiveBuckets)) {
    return "reset";
  }
  if (bucketsReset(prev.negativeSpans, prev.negativeBuckets, h.negativeSpans, h.negativeBuckets)) {
    return "reset";
  }
  return "same";
}

/**
 * The hints a TSDB would report for a series' histograms `h` at times `ht`, given the series'
 * float sample times `ft` (a float between two histograms cuts the histogram chunk).
 */
export function tsdbCounterResetHints(
  ht: readonly number[],
  h: readonly FloatHistogram[],
  ft: Float64Array,
  fn: number,
): CounterResetHint[] {
  const out: CounterResetHint[] = new Array(h.length);
  let chunkGauge = false, inChunk = 0, f = 0;
  for (let i = 0; i < h.length; i++) {
    const cur = h[i];
    const gauge = cur.counterResetHint === "gauge";
    let newChunk = i === 0 || inChunk >= SAMPLES_PER_CHUNK || gauge !== chunkGauge;
    // Floats strictly between the previous histogram and this one end the histogram chunk.
    while (f < fn && ft[f] < ht[i]) {
      if (i > 0 && ft[f] > ht[i - 1]) newChunk = true;
      f++;
    }
    if (!newChunk && !gauge) newChunk = appendCounter(h[i - 1], cur) !== "same";
    if (!newChunk && gauge) {
      const prev = h[i - 1];
      newChunk = cur.schema !== prev.schema || cur.zeroThreshold !== prev.zeroThreshold;
    }
    if (newChunk) {
      chunkGauge = gauge;
      inChunk = 0;
    }
    inChunk++;
    out[i] = chunkGauge ? "gauge" : inChunk === 1 ? "unknown" : "not_reset";
  }
  return out;
}
