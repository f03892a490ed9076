/**
 * Binary encoding of one FloatHistogram (used in WAL records, checkpoints and histogram chunks).
 * Layout in docs/format_kv.md.
 */
import type { BucketSpan, CounterResetHint, FloatHistogram } from "../model/histogram.ts";
import type { ByteReader, ByteWriter } from "./byte_buffer.ts";
import { CorruptValueError } from "./byte_buffer.ts";

const HINTS: CounterResetHint[] = ["unknown", "reset", "not_reset", "gauge"];

/** Writes a histogram. */
export function encodeHistogram(h: FloatHistogram, w: ByteWriter): void {
  w.varint(h.schema);
  w.u8(HINTS.indexOf(h.counterResetHint));
  w.f64(h.zeroThreshold);
  w.f64(h.zeroCount);
  w.f64(h.count);
  w.f64(h.sum);
  spans(h.positiveSpans, w);
  floats(h.positiveBuckets, w);
  spans(h.negativeSpans, w);
  floats(h.negativeBuckets, w);
  floats(h.customValues ?? [], w);
}

/** Reads a histogram written by encodeHistogram. */
export function decodeHistogram(r: ByteReader): FloatHistogram {
  const schema = r.varint();
  const hint = HINTS[r.u8()];
  if (hint === undefined) throw new CorruptValueError("bad histogram counter reset hint");
  const h: FloatHistogram = {
    schema,
    counterResetHint: hint,
    zeroThreshold: r.f64(),
    zeroCount: r.f64(),
    count: r.f64(),
    sum: r.f64(),
    positiveSpans: readSpans(r),
    positiveBuckets: readFloats(r),
    negativeSpans: readSpans(r),
    negativeBuckets: readFloats(r),
  };
  const custom = readFloats(r);
  if (custom.length > 0 || schema === -53) h.customValues = custom;
  return h;
}

function spans(s: BucketSpan[], w: ByteWriter): void {
  w.uvarint(s.length);
  for (const x of s) {
    w.varint(x.offset);
    w.uvarint(x.length);
  }
}

function readSpans(r: ByteReader): BucketSpan[] {
  const n = r.uvarint();
  const out: BucketSpan[] = [];
  for (let i = 0; i < n; i++) out.push({ offset: r.varint(), length: r.uvarint() });
  return out;
}

function floats(a: number[], w: ByteWriter): void {
  w.uvarint(a.length);
  for (const x of a) w.f64(x);
}

function readFloats(r: ByteReader): number[] {
  const n = r.uvarint();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.f64());
  return out;
}
