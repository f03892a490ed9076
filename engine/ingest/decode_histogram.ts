/**
 * Decodes a remote-write `Histogram` message (same field numbers in 1.0 and 2.0; 2.0 adds
 * `start_timestamp` = 17) into a `FloatHistogram` with absolute bucket counts. Integer histograms
 * carry bucket deltas; they are summed here so that storage and PromQL see one form.
 */
import type { BucketSpan, CounterResetHint, FloatHistogram, HPoint } from "../model/histogram.ts";
import { HISTOGRAM_BUCKETS_MAX } from "./limits.ts";
import { WireReader, WT_I64, WT_LEN, WT_VARINT } from "./wire.ts";

const HINTS: CounterResetHint[] = ["unknown", "reset", "not_reset", "gauge"];

/** A decoded histogram sample plus its 2.0 start timestamp (0 when absent). */
export interface DecodedHistogram extends HPoint {
  startT: number;
}

/** Reads one Histogram message spanning `[r.pos, end)`. */
export function readHistogram(r: WireReader, end: number): DecodedHistogram {
  let count = 0, zeroCount = 0, sum = 0, schema = 0, zeroThreshold = 0, hint = 0;
  let t = 0, startT = 0, stale = false;
  const negSpans: BucketSpan[] = [], posSpans: BucketSpan[] = [];
  const negDeltas: number[] = [], posDeltas: number[] = [];
  const negCounts: number[] = [], posCounts: number[] = [];
  let custom: number[] | undefined;
  while (r.pos < end) {
    const tag = r.uint32(end);
    const f = tag >>> 3, wt = tag & 7;
    switch (f) {
      case 1:
        if (wt !== WT_VARINT) r.fail("bad wire type for count_int");
        count = r.uint64(end);
        break;
      case 2:
        if (wt !== WT_I64) r.fail("bad wire type for count_float");
        count = r.double(end);
        break;
      case 3:
        if (wt !== WT_I64) r.fail("bad wire type for sum");
        // Read the bits first: the StaleNaN pattern does not survive an object field. Same
        // predicate as isStaleNaN (engine/model/value.ts), which also accepts the quieted form.
        stale = r.pos + 8 <= end && r.dv.getUint32(r.pos, true) === 2 &&
          (r.dv.getUint32(r.pos + 4, true) & 0xfff7ffff) === 0x7ff00000;
        sum = r.double(end);
        break;
      case 4:
        if (wt !== WT_VARINT) r.fail("bad wire type for schema");
        schema = r.sint32(end) | 0;
        break;
      case 5:
        if (wt !== WT_I64) r.fail("bad wire type for zero_threshold");
        zeroThreshold = r.double(end);
        break;
      case 6:
        if (wt !== WT_VARINT) r.fail("bad wire type for zero_count_int");
        zeroCount = r.uint64(end);
        break;
      case 7:
        if (wt !== WT_I64) r.fail("bad wire type for zero_count_float");
        zeroCount = r.double(end);
        break;
      case 8:
      case 11: {
        if (wt !== WT_LEN) r.fail("bad wire type for spans");
        const spans = f === 8 ? negSpans : posSpans;
        if (spans.length >= HISTOGRAM_BUCKETS_MAX) r.fail("too many histogram spans");
        spans.push(readSpan(r, r.lenEnd(end)));
        break;
      }
      case 9:
      case 12:
        readRepeatedSint64(r, wt, end, f === 9 ? negDeltas : posDeltas);
        break;
      case 10:
      case 13:
      case 16: {
        const dst = f === 10 ? negCounts : f === 13 ? posCounts : (custom ??= []);
        readRepeatedDouble(r, wt, end, dst);
        break;
      }
      case 14:
        if (wt !== WT_VARINT) r.fail("bad wire type for reset_hint");
        hint = r.uint32(end);
        break;
      case 15:
        if (wt !== WT_VARINT) r.fail("bad wire type for timestamp");
        t = r.int64(end);
        break;
      case 17:
        if (wt !== WT_VARINT) r.fail("bad wire type for start_timestamp");
        startT = r.int64(end);
        break;
      default:
        r.skip(wt, end);
    }
  }
  const h: FloatHistogram = {
    schema,
    zeroThreshold,
    zeroCount,
    count,
    sum,
    positiveSpans: posSpans,
    positiveBuckets: posDeltas.length > 0 ? cumulate(posDeltas) : posCounts,
    negativeSpans: negSpans,
    negativeBuckets: negDeltas.length > 0 ? cumulate(negDeltas) : negCounts,
    counterResetHint: HINTS[hint] ?? "unknown",
  };
  if (custom !== undefined) h.customValues = custom;
  if (stale) h.stale = true;
  return { t, h, startT };
}

function readSpan(r: WireReader, end: number): BucketSpan {
  let offset = 0, length = 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    const f = tag >>> 3, wt = tag & 7;
    if (f === 1 && wt === WT_VARINT) offset = r.sint32(end) | 0;
    else if (f === 2 && wt === WT_VARINT) length = r.uint32(end);
    else r.skip(wt, end);
  }
  return { offset, length };
}

function readRepeatedSint64(r: WireReader, wt: number, end: number, dst: number[]): void {
  if (wt === WT_VARINT) {
    if (dst.length >= HISTOGRAM_BUCKETS_MAX) r.fail("too many histogram buckets");
    dst.push(r.sint64(end));
    return;
  }
  if (wt !== WT_LEN) r.fail("bad wire type for bucket deltas");
  const e = r.lenEnd(end);
  while (r.pos < e) {
    if (dst.length >= HISTOGRAM_BUCKETS_MAX) r.fail("too many histogram buckets");
    dst.push(r.sint64(e));
  }
}

function readRepeatedDouble(r: WireReader, wt: number, end: number, dst: number[]): void {
  if (wt === WT_I64) {
    if (dst.length >= HISTOGRAM_BUCKETS_MAX) r.fail("too many histogram buckets");
    dst.push(r.double(end));
    return;
  }
  if (wt !== WT_LEN) r.fail("bad wire type for bucket counts");
  const e = r.lenEnd(end);
  if ((e - r.pos) % 8 !== 0) r.fail("packed doubles not a multiple of 8 bytes");
  if (dst.length + (e - r.pos) / 8 > HISTOGRAM_BUCKETS_MAX) r.fail("too many histogram buckets");
  while (r.pos < e) dst.push(r.double(e));
}

function cumulate(deltas: number[]): number[] {
  const out = new Array<number>(deltas.length);
  let c = 0;
  for (let i = 0; i < deltas.length; i++) out[i] = c += deltas[i];
  return out;
}
