/**
 * Native (float) histogram arithmetic used by operators and aggregations: add, subtract, scale,
 * equality. Exponential schemas are reconciled to the coarser schema; custom-bucket histograms
 * must share their bounds. A simplified version of Prometheus's model/histogram float code.
 */
import type { BucketSpan, FloatHistogram } from "../model/mod.ts";

/** Mixing exponential and custom-bucket histograms. */
export class IncompatibleSchemaError extends Error {
  override name = "IncompatibleSchemaError";
}

function toMap(spans: BucketSpan[], buckets: number[], delta: number): Map<number, number> {
  const m = new Map<number, number>();
  let idx = 0, bi = 0;
  for (const sp of spans) {
    idx += sp.offset;
    for (let j = 0; j < sp.length; j++) {
      const target = delta > 0 ? Math.floor((idx - 1) / (1 << delta)) + 1 : idx;
      m.set(target, (m.get(target) ?? 0) + (buckets[bi++] ?? 0));
      idx++;
    }
  }
  return m;
}

function fromMap(m: Map<number, number>): { spans: BucketSpan[]; buckets: number[] } {
  const idxs = [...m.keys()].sort((a, b) => a - b);
  const spans: BucketSpan[] = [];
  const buckets: number[] = [];
  let prev = 0;
  let first = true;
  for (const i of idxs) {
    const c = m.get(i)!;
    if (!first && i === prev + 1) {
      spans[spans.length - 1].length++;
    } else {
      spans.push({ offset: first ? i : i - prev - 1, length: 1 });
    }
    buckets.push(c);
    prev = i;
    first = false;
  }
  return { spans, buckets };
}

function combine(a: FloatHistogram, b: FloatHistogram, sign: 1 | -1): FloatHistogram {
  const aCustom = a.schema === -53, bCustom = b.schema === -53;
  if (aCustom !== bCustom) throw new IncompatibleSchemaError("incompatible schema");
  if (aCustom) {
    const ca = a.customValues ?? [], cb = b.customValues ?? [];
    if (ca.length !== cb.length || ca.some((v, i) => v !== cb[i])) {
      throw new IncompatibleSchemaError("incompatible custom buckets");
    }
  }
  const schema = Math.min(a.schema, b.schema);
  const pa = toMap(a.positiveSpans, a.positiveBuckets, a.schema - schema);
  const pb = toMap(b.positiveSpans, b.positiveBuckets, b.schema - schema);
  const na = toMap(a.negativeSpans, a.negativeBuckets, a.schema - schema);
  const nb = toMap(b.negativeSpans, b.negativeBuckets, b.schema - schema);
  for (const [k, v] of pb) pa.set(k, (pa.get(k) ?? 0) + sign * v);
  for (const [k, v] of nb) na.set(k, (na.get(k) ?? 0) + sign * v);
  const p = fromMap(pa), n = fromMap(na);
  return {
    schema,
    zeroThreshold: Math.max(a.zeroThreshold, b.zeroThreshold),
    zeroCount: a.zeroCount + sign * b.zeroCount,
    count: a.count + sign * b.count,
    sum: a.sum + sign * b.sum,
    positiveSpans: p.spans,
    positiveBuckets: p.buckets,
    negativeSpans: n.spans,
    negativeBuckets: n.buckets,
    customValues: a.customValues ? [...a.customValues] : undefined,
    counterResetHint: "unknown",
  };
}

/** a + b as a new histogram. */
export function histogramAdd(a: FloatHistogram, b: FloatHistogram): FloatHistogram {
  return combine(a, b, 1);
}

/** a - b as a new histogram. */
export function histogramSub(a: FloatHistogram, b: FloatHistogram): FloatHistogram {
  return combine(a, b, -1);
}

/** h * f as a new histogram (negative factors flip nothing; counts just scale). */
export function histogramMul(h: FloatHistogram, f: number): FloatHistogram {
  return {
    ...h,
    zeroCount: h.zeroCount * f,
    count: h.count * f,
    sum: h.sum * f,
    positiveSpans: h.positiveSpans.map((s) => ({ ...s })),
    positiveBuckets: h.positiveBuckets.map((c) => c * f),
    negativeSpans: h.negativeSpans.map((s) => ({ ...s })),
    negativeBuckets: h.negativeBuckets.map((c) => c * f),
    customValues: h.customValues ? [...h.customValues] : undefined,
  };
}

/** Structural equality (schema, threshold, counts, sum, buckets). */
export function histogramEquals(a: FloatHistogram, b: FloatHistogram): boolean {
  if (a.schema !== b.schema || a.zeroThreshold !== b.zeroThreshold) return false;
  if (a.zeroCount !== b.zeroCount || a.count !== b.count) return false;
  if (a.sum !== b.sum && !(Number.isNaN(a.sum) && Number.isNaN(b.sum))) return false;
  const eqMap = (x: Map<number, number>, y: Map<number, number>) => {
    const keys = new Set([...x.keys(), ...y.keys()]);
    for (const k of keys) if ((x.get(k) ?? 0) !== (y.get(k) ?? 0)) return false;
    return true;
  };
  return eqMap(
    toMap(a.positiveSpans, a.positiveBuckets, 0),
    toMap(b.positiveSpans, b.positiveBuckets, 0),
  ) &&
    eqMap(
      toMap(a.negativeSpans, a.negativeBuckets, 0),
      toMap(b.negativeSpans, b.negativeBuckets, 0),
    );
}

/** Go-like text form of a histogram, as count_values prints it. */
export function histogramString(h: FloatHistogram): string {
  return `{count:${h.count}, sum:${h.sum}}`;
}
