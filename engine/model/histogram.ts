/** Native histograms, as carried through ingest, storage and PromQL (float form). */

/** A run of consecutive buckets: `offset` buckets skipped after the previous span, then `length`. */
export interface BucketSpan {
  offset: number;
  length: number;
}

/** Counter-reset hint, as in remote write 2.0 / TSDB. */
export type CounterResetHint = "unknown" | "reset" | "not_reset" | "gauge";

/**
 * A native histogram with absolute float bucket counts. `schema` −53 marks custom buckets,
 * whose upper bounds are `customValues`.
 */
export interface FloatHistogram {
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  positiveSpans: BucketSpan[];
  positiveBuckets: number[];
  negativeSpans: BucketSpan[];
  negativeBuckets: number[];
  customValues?: number[];
  counterResetHint: CounterResetHint;
  /**
   * True when this is a staleness marker (on the wire: `sum` carries the StaleNaN bit pattern).
   * V8 quiets signalling NaNs stored in object fields, so `isStaleNaN(h.sum)` cannot be trusted
   * once the sum sits in this object; ingest sets this flag from the raw bits instead.
   */
  stale?: boolean;
}

/** One histogram sample. */
export interface HPoint {
  t: number;
  h: FloatHistogram;
}

/** A histogram with no observations (schema 0, no buckets), with `fields` overriding defaults. */
export function newFloatHistogram(fields: Partial<FloatHistogram> = {}): FloatHistogram {
  return {
    schema: 0,
    zeroThreshold: 0,
    zeroCount: 0,
    count: 0,
    sum: 0,
    positiveSpans: [],
    positiveBuckets: [],
    negativeSpans: [],
    negativeBuckets: [],
    counterResetHint: "unknown",
    ...fields,
  };
}
