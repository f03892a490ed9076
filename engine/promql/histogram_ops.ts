/**
 * Native (float) histogram arithmetic for PromQL: add/subtract with schema reduction and zero
 * bucket reconciliation, custom-bucket (NHCB) bound intersection, scaling, counter-reset
 * detection and counter-reset hint merging. Semantics follow Prometheus's
 * model/histogram/float_histogram.go; the code works on index->count maps and is our own.
 */
import type { BucketSpan, CounterResetHint, FloatHistogram } from "../model/mod.ts";
import { formatFloatG } from "../model/go_format.ts";

/** Mixing exponential and custom-bucket histograms. */
export class IncompatibleSchemaError extends Error {
  override name = "IncompatibleSchemaError";
}

/** Schema number of custom-bucket histograms. */
export const CUSTOM_BUCKETS_SCHEMA = -53;

/** True for NHCB histograms. */
export function usesCustomBuckets(h: FloatHistogram): boolean {
  return h.schema === CUSTOM_BUCKETS_SCHEMA;
}

/** Bucket index -> count, ascending by index when iterated after `sortedEntries`. */
type Buckets = Map<number, number>;

function toMap(spans: readonly BucketSpan[], buckets: readonly number[]): Buckets {
  const m: Buckets = new Map();
  let idx = 0, bi = 0;
  for (const sp of spans) {
    idx += sp.offset;
    for (let j = 0; j < sp.length; j++) {
      const c = buckets[bi++] ?? 0;
      m.set(idx, (m.get(idx) ?? 0) + c);
      idx++;
    }
  }
  return m;
}

function sortedEntries(m: Buckets): [number, number][] {
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

/** Spans and buckets of a map, dropping empty buckets (Compact(0)). */
function fromMap(m: Buckets): { spans: BucketSpan[]; buckets: number[] } {
  const spans: BucketSpan[] = [];
  const buckets: number[] = [];
  let prev = 0;
  let first = true;
  for (const [i, c] of sortedEntries(m)) {
    if (c === 0) continue;
    if (!first && i === prev + 1) spans[spans.length - 1].length++;
    else spans.push({ offset: first ? i : i - prev - 1, length: 1 });
    buckets.push(c);
    prev = i;
    first = false;
  }
  return { spans, buckets };
}

/** Working form of a histogram. */
interface H {
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  pos: Buckets;
  neg: Buckets;
  customValues: number[] | undefined;
  hint: CounterResetHint;
}

function open(h: FloatHistogram): H {
  return {
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount: h.zeroCount,
    count: h.count,
    sum: h.sum,
    pos: toMap(h.positiveSpans, h.positiveBuckets),
    neg: toMap(h.negativeSpans, h.negativeBuckets),
    customValues: h.customValues ? [...h.customValues] : undefined,
    hint: h.counterResetHint,
  };
}

function close(h: H): FloatHistogram {
  const p = fromMap(h.pos), n = fromMap(h.neg);
  const out: FloatHistogram = {
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount: h.zeroCount,
    count: h.count,
    sum: h.sum,
    positiveSpans: p.spans,
    positiveBuckets: p.buckets,
    negativeSpans: n.spans,
    negativeBuckets: n.buckets,
    counterResetHint: h.hint,
  };
  if (h.customValues) out.customValues = h.customValues;
  return out;
}

/** Upper bound of exponential bucket `idx` at `schema`. */
export function bucketUpper(idx: number, schema: number): number {
  if (schema < 0) return Math.pow(2, idx * Math.pow(2, -schema));
  return Math.pow(2, idx / Math.pow(2, schema));
}

function targetIdx(idx: number, from: number, to: number): number {
  return Math.floor((idx - 1) / Math.pow(2, from - to)) + 1;
}

function reduce(m: Buckets, from: number, to: number): Buckets {
  if (from === to) return m;
  const out: Buckets = new Map();
  for (const [i, c] of m) {
    const t = targetIdx(i, from, to);
    out.set(t, (out.get(t) ?? 0) + c);
  }
  return out;
}

/** Zero count and threshold when widening the zero bucket to at least `larger`. */
function zeroCountForLargerThreshold(h: H, larger: number): [number, number] {
  if (larger === h.zeroThreshold) return [h.zeroCount, larger];
  for (;;) {
    let zc = h.zeroCount;
    let restart = false;
    for (const [i, c] of sortedEntries(h.pos)) {
      const lower = bucketUpper(i - 1, h.schema), upper = bucketUpper(i, h.schema);
      if (lower >= larger) break;
      zc += c;
      if (upper > larger) {
        if (c !== 0) larger = upper;
        break;
      }
    }
    for (const [i, c] of sortedEntries(h.neg)) {
      const upper = -bucketUpper(i - 1, h.schema), lower = -bucketUpper(i, h.schema);
      if (upper <= -larger) break;
      zc += c;
      if (lower < -larger) {
        if (c !== 0) {
          larger = -lower;
          restart = true;
        }
        break;
      }
    }
    if (!restart) return [zc, larger];
  }
}

function trimBucketsInZeroBucket(h: H): void {
  for (const i of [...h.pos.keys()]) {
    if (bucketUpper(i - 1, h.schema) < h.zeroThreshold) h.pos.delete(i);
  }
  for (const i of [...h.neg.keys()]) {
    if (bucketUpper(i - 1, h.schema) < h.zeroThreshold) h.neg.delete(i);
  }
}

/** Widens zero buckets of h and other to the same threshold; returns other's zero count. */
function reconcileZeroBuckets(h: H, other: H): number {
  let otherZeroCount = other.zeroCount;
  let otherThreshold = other.zeroThreshold;
  while (otherThreshold !== h.zeroThreshold) {
    if (h.zeroThreshold > otherThreshold) {
      [otherZeroCount, otherThreshold] = zeroCountForLargerThreshold(other, h.zeroThreshold);
    }
    if (otherThreshold > h.zeroThreshold) {
      [h.zeroCount, h.zeroThreshold] = zeroCountForLargerThreshold(h, otherThreshold);
      trimBucketsInZeroBucket(h);
    }
  }
  return otherZeroCount;
}

/** Merged counter-reset hint; true when the hints collide (reset vs not_reset). */
function adjustCounterReset(h: H, otherHint: CounterResetHint): boolean {
  if (otherHint === h.hint || h.hint === "gauge") return false;
  if (otherHint === "gauge") {
    h.hint = "gauge";
    return false;
  }
  if (h.hint === "unknown") return false;
  if (otherHint === "unknown") {
    h.hint = "unknown";
    return false;
  }
  h.hint = "unknown";
  return true;
}

function intersectBounds(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(a[i]);
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return out;
}

function remapCustom(m: Buckets, bounds: readonly number[], target: readonly number[]): Buckets {
  const out: Buckets = new Map();
  for (const [i, c] of m) {
    let t = target.length;
    if (i < bounds.length) {
      const b = bounds[i];
      for (let k = 0; k < target.length; k++) {
        if (target[k] >= b) {
          t = k;
          break;
        }
      }
    }
    out.set(t, (out.get(t) ?? 0) + c);
  }
  return out;
}

/** Flags of an add/sub: colliding counter-reset hints, reconciled custom bounds. */
export interface HistogramOpFlags {
  counterResetCollision: boolean;
  nhcbBoundsReconciled: boolean;
}

function combine(
  a: FloatHistogram,
  b: FloatHistogram,
  sign: 1 | -1,
  flags?: HistogramOpFlags,
): FloatHistogram {
  if (usesCustomBuckets(a) !== usesCustomBuckets(b)) {
    throw new IncompatibleSchemaError("histograms have incompatible schemas");
  }
  const h = open(a), o = open(b);
  const collision = adjustCounterReset(h, o.hint);
  if (flags) flags.counterResetCollision ||= collision;
  if (!usesCustomBuckets(a)) {
    const ozc = reconcileZeroBuckets(h, o);
    h.zeroCount += sign * ozc;
  }
  h.count += sign * o.count;
  h.sum += sign * o.sum;
  if (usesCustomBuckets(a)) {
    const ca = h.customValues ?? [], cb = o.customValues ?? [];
    let op = o.pos;
    if (ca.length !== cb.length || ca.some((v, i) => v !== cb[i])) {
      const inter = intersectBounds(ca, cb);
      h.pos = remapCustom(h.pos, ca, inter);
      op = remapCustom(o.pos, cb, inter);
      h.customValues = inter;
      if (flags) flags.nhcbBoundsReconciled = true;
    }
    for (const [i, c] of op) h.pos.set(i, (h.pos.get(i) ?? 0) + sign * c);
    return close(h);
  }
  const schema = Math.min(h.schema, o.schema);
  h.pos = reduce(h.pos, h.schema, schema);
  h.neg = reduce(h.neg, h.schema, schema);
  const op = reduce(o.pos, o.schema, schema), on = reduce(o.neg, o.schema, schema);
  h.schema = schema;
  for (const [i, c] of op) {
    if (bucketUpper(i, schema) <= h.zeroThreshold) continue;
    h.pos.set(i, (h.pos.get(i) ?? 0) + sign * c);
  }
  for (const [i, c] of on) {
    if (bucketUpper(i, schema) <= h.zeroThreshold) continue;
    h.neg.set(i, (h.neg.get(i) ?? 0) + sign * c);
  }
  return close(h);
}

/** a + b as a new histogram. */
export function histogramAdd(
  a: FloatHistogram,
  b: FloatHistogram,
  flags?: HistogramOpFlags,
): FloatHistogram {
  return combine(a, b, 1, flags);
}

/** a - b as a new histogram. */
export function histogramSub(
  a: FloatHistogram,
  b: FloatHistogram,
  flags?: HistogramOpFlags,
): FloatHistogram {
  return combine(a, b, -1, flags);
}

/** h * f as a new histogram (a negative factor makes it a gauge). */
export function histogramMul(h: FloatHistogram, f: number): FloatHistogram {
  return {
    ...h,
    counterResetHint: f < 0 ? "gauge" : h.counterResetHint,
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

/** h / f as a new histogram (division by zero gives Inf/NaN counts as Prometheus). */
export function histogramDiv(h: FloatHistogram, f: number): FloatHistogram {
  if (f === 0) {
    return {
      ...h,
      zeroCount: h.zeroCount / f,
      count: h.count / f,
      sum: h.sum / f,
      positiveSpans: [],
      positiveBuckets: [],
      negativeSpans: [],
      negativeBuckets: [],
      customValues: h.customValues ? [...h.customValues] : undefined,
    };
  }
  return {
    ...h,
    counterResetHint: f < 0 ? "gauge" : h.counterResetHint,
    zeroCount: h.zeroCount / f,
    count: h.count / f,
    sum: h.sum / f,
    positiveSpans: h.positiveSpans.map((s) => ({ ...s })),
    positiveBuckets: h.positiveBuckets.map((c) => c / f),
    negativeSpans: h.negativeSpans.map((s) => ({ ...s })),
    negativeBuckets: h.negativeBuckets.map((c) => c / f),
    customValues: h.customValues ? [...h.customValues] : undefined,
  };
}

/** A copy with a different counter-reset hint. */
export function withHint(h: FloatHistogram, hint: CounterResetHint): FloatHistogram {
  return { ...h, counterResetHint: hint };
}

/** The histogram reduced to a coarser schema (no-op for custom buckets or same schema). */
export function copyToSchema(h: FloatHistogram, schema: number): FloatHistogram {
  if (usesCustomBuckets(h) || schema >= h.schema) return close(open(h));
  const o = open(h);
  o.pos = reduce(o.pos, o.schema, schema);
  o.neg = reduce(o.neg, o.schema, schema);
  o.schema = schema;
  return close(o);
}

/** True when `h` shows a counter reset relative to `prev`. */
export function detectReset(h: FloatHistogram, prev: FloatHistogram): boolean {
  if (h.counterResetHint === "reset") return true;
  if (h.counterResetHint === "not_reset") return false;
  if (h.count < prev.count) return true;
  if (usesCustomBuckets(h)) {
    if (!usesCustomBuckets(prev)) return true;
    const a = h.customValues ?? [], b = prev.customValues ?? [];
    if (a.length !== b.length || a.some((v, i) => v !== b[i])) {
      const inter = intersectBounds(a, b);
      const cm = remapCustom(toMap(h.positiveSpans, h.positiveBuckets), a, inter);
      const pm = remapCustom(toMap(prev.positiveSpans, prev.positiveBuckets), b, inter);
      for (const [i, c] of pm) if ((cm.get(i) ?? 0) < c) return true;
      return false;
    }
  }
  if (h.schema > prev.schema) return true;
  if (h.zeroThreshold < prev.zeroThreshold) return true;
  const p = open(prev);
  const [pzc, newThreshold] = usesCustomBuckets(h)
    ? [p.zeroCount, h.zeroThreshold]
    : zeroCountForLargerThreshold(p, h.zeroThreshold);
  if (newThreshold !== h.zeroThreshold) return true;
  if (h.zeroCount < pzc) return true;
  const c = open(h);
  const cmp = (cur: Buckets, pr: Buckets, prSchema: number) => {
    const prr = reduce(pr, prSchema, h.schema);
    for (const [i, cnt] of prr) {
      if (!usesCustomBuckets(h) && bucketUpper(i, h.schema) <= h.zeroThreshold) continue;
      if ((cur.get(i) ?? 0) < cnt) return true;
    }
    return false;
  };
  return cmp(c.pos, p.pos, p.schema) || cmp(c.neg, p.neg, p.schema);
}

/** Structural equality (schema, threshold, counts, sum, buckets, custom bounds). */
export function histogramEquals(a: FloatHistogram, b: FloatHistogram): boolean {
  if (a.schema !== b.schema || a.zeroThreshold !== b.zeroThreshold) return false;
  if (!same(a.zeroCount, b.zeroCount) || !same(a.count, b.count) || !same(a.sum, b.sum)) {
    return false;
  }
  if (usesCustomBuckets(a)) {
    const ca = a.customValues ?? [], cb = b.customValues ?? [];
    if (ca.length !== cb.length || ca.some((v, i) => v !== cb[i])) return false;
  }
  const eqMap = (x: Buckets, y: Buckets) => {
    const keys = new Set([...x.keys(), ...y.keys()]);
    for (const k of keys) if (!same(x.get(k) ?? 0, y.get(k) ?? 0)) return false;
    return true;
  };
  return eqMap(
    toMap(a.positiveSpans, a.positiveBuckets),
    toMap(b.positiveSpans, b.positiveBuckets),
  ) &&
    eqMap(toMap(a.negativeSpans, a.negativeBuckets), toMap(b.negativeSpans, b.negativeBuckets));
}

function same(x: number, y: number): boolean {
  return x === y || (Number.isNaN(x) && Number.isNaN(y));
}

/** Prometheus's FloatHistogram.String(), as count_values prints a histogram value. */
export function histogramString(h: FloatHistogram): string {
  let out = `{count:${formatFloatG(h.count)}, sum:${formatFloatG(h.sum)}`;
  const custom = usesCustomBuckets(h);
  const bound = (i: number) => {
    if (!custom) return bucketUpper(i, h.schema);
    const cv = h.customValues ?? [];
    return i < 0 ? -Infinity : i < cv.length ? cv[i] : Infinity;
  };
  const fmt = (lower: number, upper: number, li: boolean, ui: boolean, c: number) =>
    `${li ? "[" : "("}${formatFloatG(lower)},${formatFloatG(upper)}${ui ? "]" : ")"}:${
      formatFloatG(c)
    }`;
  const neg = sortedEntries(toMap(h.negativeSpans, h.negativeBuckets)).filter(([, c]) => c !== 0);
  for (let j = neg.length - 1; j >= 0; j--) {
    const [i, c] = neg[j];
    const lower = -bound(i), upper = -bound(i - 1);
    out += ", " + fmt(lower, upper, lower < 0, upper > 0, c);
  }
  if (h.zeroCount !== 0) {
    out += ", " + fmt(-h.zeroThreshold, h.zeroThreshold, true, true, h.zeroCount);
  }
  for (const [i, c] of sortedEntries(toMap(h.positiveSpans, h.positiveBuckets))) {
    if (c === 0) continue;
    const lower = bound(i - 1), upper = bound(i);
    out += ", " + fmt(lower, upper, custom ? i === 0 : lower < 0, custom ? true : upper > 0, c);
  }
  return out + "}";
}

function kInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) return [t, 0];
  if (Math.abs(sum) >= Math.abs(inc)) c += (sum - t) + inc;
  else c += (inc - t) + sum;
  return [t, c];
}

function scaleH(h: H, f: number): void {
  h.zeroCount *= f;
  h.count *= f;
  h.sum *= f;
  for (const [k, v] of h.pos) h.pos.set(k, v * f);
  for (const [k, v] of h.neg) h.neg.set(k, v * f);
}

function divH(h: H, d: number): void {
  h.zeroCount /= d;
  h.count /= d;
  h.sum /= d;
  for (const [k, v] of h.pos) h.pos.set(k, v / d);
  for (const [k, v] of h.neg) h.neg.set(k, v / d);
}

function hasOverflow(h: H): boolean {
  const inf = (x: number) => x === Infinity || x === -Infinity;
  if (inf(h.zeroCount) || inf(h.count) || inf(h.sum)) return true;
  for (const v of h.pos.values()) if (inf(v)) return true;
  for (const v of h.neg.values()) if (inf(v)) return true;
  return false;
}

function cloneH(h: H): H {
  return { ...h, pos: new Map(h.pos), neg: new Map(h.neg), customValues: h.customValues?.slice() };
}

/**
 * Kahan-compensated sum (and mean) of histograms, as Prometheus's KahanAdd: used by sum/avg
 * aggregations and sum/avg_over_time. Falls back to an incremental mean when the sum overflows.
 */
export class HistogramSum {
  #v: H | undefined;
  #c: H | undefined;
  #n = 0;
  #incremental = false;
  readonly flags: HistogramOpFlags = { counterResetCollision: false, nhcbBoundsReconciled: false };

  /** Number of histograms added. */
  get n(): number {
    return this.#n;
  }

  #align(o: H): H {
    const v = this.#v!, c = this.#c!;
    if (
      usesCustomBuckets(v as unknown as FloatHistogram) !== (o.schema === CUSTOM_BUCKETS_SCHEMA)
    ) {
      throw new IncompatibleSchemaError("histograms have incompatible schemas");
    }
    if (v.schema === CUSTOM_BUCKETS_SCHEMA) {
      const ca = v.customValues ?? [], cb = o.customValues ?? [];
      if (ca.length !== cb.length || ca.some((x, i) => x !== cb[i])) {
        const inter = intersectBounds(ca, cb);
        v.pos = remapCustom(v.pos, ca, inter);
        c.pos = remapCustom(c.pos, ca, inter);
        v.customValues = inter;
        c.customValues = inter;
        this.flags.nhcbBoundsReconciled = true;
        return { ...o, pos: remapCustom(o.pos, cb, inter) };
      }
      return o;
    }
    const schema = Math.min(v.schema, o.schema);
    for (const x of [v, c]) {
      x.pos = reduce(x.pos, x.schema, schema);
      x.neg = reduce(x.neg, x.schema, schema);
      x.schema = schema;
    }
    const oo: H = {
      ...o,
      pos: reduce(o.pos, o.schema, schema),
      neg: reduce(o.neg, o.schema, schema),
      schema,
    };
    // Zero buckets: widen whichever is narrower.
    if (oo.zeroThreshold > v.zeroThreshold) {
      const [zc, zt] = zeroCountForLargerThreshold(v, oo.zeroThreshold);
      const [czc] = zeroCountForLargerThreshold({ ...c, zeroThreshold: v.zeroThreshold }, zt);
      v.zeroCount = zc;
      v.zeroThreshold = zt;
      c.zeroCount = czc;
      c.zeroThreshold = zt;
      trimBucketsInZeroBucket(v);
      trimBucketsInZeroBucket(c);
    }
    if (v.zeroThreshold > oo.zeroThreshold) {
      const [zc] = zeroCountForLargerThreshold(oo, v.zeroThreshold);
      oo.zeroCount = zc;
      oo.zeroThreshold = v.zeroThreshold;
      trimBucketsInZeroBucket(oo);
    }
    return oo;
  }

  /** Adds o / d (d = 1 for a plain sum) with Kahan compensation. */
  #kahanAdd(v: H, c: H, o: H, d: number): void {
    [v.zeroCount, c.zeroCount] = kInc(o.zeroCount / d, v.zeroCount, c.zeroCount);
    [v.count, c.count] = kInc(o.count / d, v.count, c.count);
    [v.sum, c.sum] = kInc(o.sum / d, v.sum, c.sum);
    for (const [side, vs, cs] of [[o.pos, v.pos, c.pos], [o.neg, v.neg, c.neg]] as const) {
      for (const [k, x] of side) {
        if (v.schema !== CUSTOM_BUCKETS_SCHEMA && bucketUpper(k, v.schema) <= v.zeroThreshold) {
          continue;
        }
        const [nv, nc] = kInc(x / d, vs.get(k) ?? 0, cs.get(k) ?? 0);
        vs.set(k, nv);
        cs.set(k, nc);
      }
    }
  }

  /** Adds one histogram; throws IncompatibleSchemaError on mixed exponential/custom schemas. */
  add(h: FloatHistogram, mean = false): void {
    const o = open(h);
    this.#n++;
    if (!this.#v) {
      this.#v = o;
      this.#c = {
        ...open({ ...h, zeroCount: 0, count: 0, sum: 0 }),
        pos: new Map(),
        neg: new Map(),
      };
      return;
    }
    if (adjustCounterReset(this.#v, o.hint)) this.flags.counterResetCollision = true;
    this.#c!.hint = this.#v.hint;
    const oo = this.#align(o);
    const n = this.#n;
    if (mean && this.#incremental) {
      const q = (n - 1) / n;
      scaleH(this.#v, q);
      scaleH(this.#c!, q);
      this.#kahanAdd(this.#v, this.#c!, oo, n);
      return;
    }
    const v2 = cloneH(this.#v), c2 = cloneH(this.#c!);
    this.#kahanAdd(v2, c2, oo, 1);
    if (!mean || !hasOverflow(v2)) {
      this.#v = v2;
      this.#c = c2;
      return;
    }
    // Switch to an incremental mean.
    this.#incremental = true;
    divH(this.#v, n - 1);
    divH(this.#c!, n - 1);
    const q = (n - 1) / n;
    scaleH(this.#v, q);
    scaleH(this.#c!, q);
    this.#kahanAdd(this.#v, this.#c!, oo, n);
  }

  /** The sum (mean=false) or mean (mean=true) of what was added. */
  result(mean = false): FloatHistogram {
    const v = cloneH(this.#v!), c = this.#c!;
    if (mean && !this.#incremental) {
      divH(v, this.#n);
      const cc = cloneH(c);
      divH(cc, this.#n);
      addComp(v, cc);
    } else addComp(v, c);
    return close(v);
  }
}

function addComp(v: H, c: H): void {
  v.zeroCount += c.zeroCount;
  v.count += c.count;
  v.sum += c.sum;
  for (const [k, x] of c.pos) v.pos.set(k, (v.pos.get(k) ?? 0) + x);
  for (const [k, x] of c.neg) v.neg.set(k, (v.neg.get(k) ?? 0) + x);
}

function midpoint(lo: number, hi: number, positive: boolean, linear: boolean): number {
  const inf = (x: number) => x === Infinity || x === -Infinity;
  if (inf(lo)) {
    if (inf(hi)) return 0;
    return hi > 0 ? hi / 2 : hi;
  }
  if (inf(hi)) return lo;
  if (linear) return (lo + hi) / 2;
  const g = Math.sqrt(Math.abs(lo * hi));
  return positive ? g : -g;
}

function fractionBelowBucket(lower: number, upper: number, v: number, linear: boolean): number {
  if (linear) return (v - lower) / (upper - lower);
  const ll = Math.log2(Math.abs(lower)),
    lu = Math.log2(Math.abs(upper)),
    lv = Math.log2(Math.abs(v));
  if (v > 0) return (lv - ll) / (lu - ll);
  return 1 - (lv - lu) / (ll - lu);
}

function infinityBucketTrim(
  upperTrim: boolean,
  lower: number,
  upper: number,
  count: number,
  rhs: number,
): [number, number] {
  const zeroIfInf = (x: number) => (x === Infinity || x === -Infinity ? 0 : x);
  if (lower === -Infinity) {
    if (upperTrim) {
      if (rhs >= upper) return [count, 0];
      if (rhs > 0 && upper > 0 && upper !== Infinity) return [count * rhs / upper, rhs / 2];
      if (upper <= 0) return [count, rhs];
      return [0, zeroIfInf(upper)];
    }
    if (rhs <= lower) return [count, 0];
    if (rhs >= 0 && upper > rhs && upper !== Infinity) {
      return [count * (1 - rhs / upper), (rhs + upper) / 2];
    }
    return [0, zeroIfInf(upper)];
  }
  if (upperTrim) return [0, zeroIfInf(lower)];
  if (rhs >= lower) return [count, rhs];
  return [0, zeroIfInf(lower)];
}

/**
 * `h </ rhs` (upperTrim) or `h >/ rhs`: drops the observations above (below) rhs, interpolating
 * within the bucket that contains rhs, and re-estimates count and sum from bucket midpoints.
 */
export function trimBuckets(hIn: FloatHistogram, rhs: number, upperTrim: boolean): FloatHistogram {
  const h = open(hIn);
  const custom = h.schema === CUSTOM_BUCKETS_SCHEMA;
  const bound = (i: number) => {
    if (!custom) return bucketUpper(i, h.schema);
    const cv = h.customValues ?? [];
    return i < 0 ? -Infinity : i < cv.length ? cv[i] : Infinity;
  };
  let count = 0, sum = 0, trimmed = false, hasPos = false, hasNeg = false;
  const side = (m: Buckets, positive: boolean) => {
    for (const [i, c] of sortedEntries(m)) {
      if (c === 0) continue;
      if (positive) hasPos = true;
      else hasNeg = true;
      const lower = positive ? bound(i - 1) : -bound(i);
      const upper = positive ? bound(i) : -bound(i - 1);
      const keepAll = upperTrim ? upper <= rhs : lower >= rhs;
      const partial = upperTrim ? lower < rhs : upper > rhs;
      if (keepAll) {
        count += c;
        sum += midpoint(lower, upper, positive, custom) * c;
      } else if (partial) {
        let keep: number, mid: number;
        if (lower === -Infinity || upper === Infinity) {
          [keep, mid] = infinityBucketTrim(upperTrim, lower, upper, c, rhs);
        } else {
          const under = rhs <= lower
            ? 0
            : rhs >= upper
            ? c
            : c * fractionBelowBucket(lower, upper, rhs, custom);
          if (upperTrim) {
            keep = under;
            mid = midpoint(lower, rhs, positive, custom);
          } else {
            keep = c - under;
            mid = midpoint(rhs, upper, positive, custom);
          }
        }
        count += keep;
        sum += mid * keep;
        if (keep !== c) {
          m.set(i, keep);
          trimmed = true;
        }
      } else {
        m.set(i, 0);
        trimmed = true;
      }
    }
  };
  side(h.pos, true);
  side(h.neg, false);
  if (h.zeroCount > 0) {
    let lower = -h.zeroThreshold, upper = h.zeroThreshold;
    if (hasNeg && !hasPos) upper = 0;
    if (hasPos && !hasNeg) lower = 0;
    let keep: number, mid: number;
    if (upperTrim) {
      if (rhs <= lower) [keep, mid] = [0, 0];
      else if (rhs >= upper) [keep, mid] = [h.zeroCount, (lower + upper) / 2];
      else [keep, mid] = [h.zeroCount * (rhs - lower) / (upper - lower), (lower + rhs) / 2];
    } else {
      if (rhs <= lower) [keep, mid] = [h.zeroCount, (lower + upper) / 2];
      else if (rhs >= upper) [keep, mid] = [0, 0];
      else [keep, mid] = [h.zeroCount * (upper - rhs) / (upper - lower), (rhs + upper) / 2];
    }
    if (keep !== h.zeroCount) {
      h.zeroCount = keep;
      trimmed = true;
    }
    sum += mid * keep;
    count += keep;
  }
  if (!trimmed) return hIn;
  h.count = count;
  h.sum = sum;
  return close(h);
}
