/**
 * Series descriptions of the promqltest format (FORMAT.md section 4): `<labels> <values>`, e.g.
 * `http_requests{job="api"} 0+10x5 _ stale {{schema:1 sum:3 count:2 buckets:[1 1]}}`.
 * Written from the format description; labels use PromQL selector syntax restricted to equality.
 */
import type { BucketSpan, CounterResetHint, FloatHistogram } from "../../engine/model/histogram.ts";
import { type Labels, labelsFromPairs, METRIC_NAME } from "../../engine/model/labels.ts";
import { newFloatHistogram } from "../../engine/model/histogram.ts";

/**
 * One position of a value sequence: omitted, a float, a staleness marker, or a histogram.
 * Staleness markers get their own kind because V8 canonicalises NaN payloads stored in object
 * fields and number arrays, so a STALE_NAN kept in `v` would silently become a plain NaN.
 */
export type SequenceValue =
  | { kind: "omitted" }
  | { kind: "stale" }
  | { kind: "float"; v: number }
  | { kind: "histogram"; h: FloatHistogram; hintSet: boolean };

/** A parsed series description. */
export interface SeriesDesc {
  labels: Labels;
  values: SequenceValue[];
}

/** A malformed series description or number. */
export class SeriesDescError extends SyntaxError {
  override name = "SeriesDescError";
}

const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[A-Za-z0-9_:]/;

/** Parses a label part at `s[i..]`; returns the labels and the index after them. */
export function parseLabelPart(s: string, i: number): { labels: Labels; end: number } {
  const pairs: [string, string][] = [];
  let name = "";
  while (i < s.length && (name === "" ? NAME_START : NAME_CHAR).test(s[i])) name += s[i++];
  if (name !== "") pairs.push([METRIC_NAME, name]);
  if (s[i] === "{") {
    i++;
    for (;;) {
      i = skipSpace(s, i);
      if (s[i] === "}") {
        i++;
        break;
      }
      let key: string;
      if (s[i] === '"' || s[i] === "'" || s[i] === "`") {
        const q = readQuoted(s, i);
        key = q.value;
        i = skipSpace(s, q.end);
        if (s[i] === "," || s[i] === "}") {
          if (name !== "") throw new SeriesDescError(`metric name given twice in ${s}`);
          name = key;
          pairs.push([METRIC_NAME, key]);
          if (s[i] === ",") i++;
          continue;
        }
      } else {
        key = "";
        while (i < s.length && /[A-Za-z0-9_]/.test(s[i])) key += s[i++];
        if (key === "" || /[0-9]/.test(key[0])) {
          throw new SeriesDescError(`expected label name at ${i} in ${s}`);
        }
        i = skipSpace(s, i);
      }
      if (s[i] !== "=" || s[i + 1] === "~") {
        throw new SeriesDescError(`expected "=" after label ${key} in ${s}`);
      }
      i = skipSpace(s, i + 1);
      const q = readQuoted(s, i);
      pairs.push([key, q.value]);
      i = skipSpace(s, q.end);
      if (s[i] === ",") i++;
      else if (s[i] !== "}") throw new SeriesDescError(`expected "," or "}" at ${i} in ${s}`);
    }
  }
  if (pairs.length === 0 && i === 0) throw new SeriesDescError(`missing labels in ${s}`);
  return { labels: labelsFromPairs(pairs), end: i };
}

/** Parses `<labels> <values>`. */
export function parseSeriesDesc(line: string): SeriesDesc {
  const { labels, end } = parseLabelPart(line, 0);
  if (end < line.length && !/\s/.test(line[end])) {
    throw new SeriesDescError(`unexpected character ${JSON.stringify(line[end])} in ${line}`);
  }
  return { labels, values: parseValueSequence(line.slice(end)) };
}

/** Parses a whitespace-separated value sequence (the part after the labels). */
export function parseValueSequence(text: string): SequenceValue[] {
  const out: SequenceValue[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    if (text.startsWith("{{", i)) {
      i = parseHistogramItem(text, i, out);
      continue;
    }
    let j = i;
    while (j < n && !/\s/.test(text[j])) j++;
    parseScalarItem(text.slice(i, j), out);
    i = j;
  }
  return out;
}

const NUM = String.raw`(?:[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN]))`;
const SIGNED = String
  .raw`(?:[+-](?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN]))`;
const ITEM_RE = new RegExp(`^(${NUM}|stale)(${SIGNED})?(?:x(\\d+))?$`);

function parseScalarItem(item: string, out: SequenceValue[]): void {
  const blank = /^_(?:x(\d+))?$/.exec(item);
  if (blank) {
    const times = blank[1] === undefined ? 1 : Number(blank[1]);
    for (let k = 0; k < times; k++) out.push({ kind: "omitted" });
    return;
  }
  const m = ITEM_RE.exec(item);
  if (!m) throw new SeriesDescError(`bad series value ${JSON.stringify(item)}`);
  if (m[3] === undefined && m[2] !== undefined) {
    throw new SeriesDescError(`bad series value ${JSON.stringify(item)}`);
  }
  const times = m[3] === undefined ? 0 : Number(m[3]);
  if (m[1] === "stale") {
    if (m[2] !== undefined) throw new SeriesDescError(`bad series value ${JSON.stringify(item)}`);
    for (let k = 0; k <= times; k++) out.push({ kind: "stale" });
    return;
  }
  let v = seriesNumber(m[1]);
  const inc = m[2] === undefined ? 0 : seriesNumber(m[2]);
  for (let k = 0; k <= times; k++) {
    out.push({ kind: "float", v });
    if (m[2] !== undefined) v += inc;
  }
}

/** A series-value number: integers go through Go's ParseInt(s, 0, 64) first (so 010 is octal). */
function seriesNumber(s: string): number {
  const f = parseGoNumber(s);
  if (f === undefined) throw new SeriesDescError(`bad number ${JSON.stringify(s)}`);
  return f;
}

/**
 * Go's `ParseInt(s, 0, 64)` then `ParseFloat(s, 64)`, as the format's scalar lines use.
 * Returns undefined when neither accepts `s`.
 */
export function parseGoNumber(s: string): number | undefined {
  const int = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9]*)$/.exec(s);
  if (int) {
    const body = int[2];
    let mag: bigint | undefined;
    const clean = body.replace(/_/g, "");
    if (body.includes("_") && !/^0[xXbBoO]?/.test(body)) mag = undefined;
    else if (/^0[xX]/.test(clean)) mag = BigInt(clean);
    else if (/^0[bB]/.test(clean)) mag = BigInt(clean);
    else if (/^0[oO]/.test(clean)) mag = BigInt(clean);
    else if (clean.length > 1 && clean[0] === "0") mag = BigInt("0o" + clean.slice(1));
    else mag = BigInt(clean);
    if (mag !== undefined) {
      const signed = int[1] === "-" ? -mag : mag;
      if (signed >= -(2n ** 63n) && signed < 2n ** 63n) return Number(signed);
      // Out of int64 range: ParseInt fails, ParseFloat decides below.
    }
  }
  const t = s.replace(/^[+-]/, "").toLowerCase();
  const neg = s.startsWith("-");
  if (t === "inf" || t === "infinity") return neg ? -Infinity : Infinity;
  if (t === "nan") return NaN;
  if (/^(?:\d[\d_]*\.?[\d_]*|\.[\d_]+)(?:e[+-]?\d+)?$/.test(t) && !t.includes("_")) {
    return Number(s);
  }
  const hex = /^0x([0-9a-f]*)\.?([0-9a-f]*)p([+-]?\d+)$/.exec(t);
  if (hex && (hex[1] + hex[2]).length > 0) {
    const mant = parseInt((hex[1] + hex[2]) || "0", 16) / 16 ** hex[2].length;
    const v = mant * 2 ** Number(hex[3]);
    return neg ? -v : v;
  }
  return undefined;
}

function parseHistogramItem(text: string, i: number, out: SequenceValue[]): number {
  const first = readHistogram(text, i);
  i = first.end;
  let op: "+" | "-" | undefined;
  let second: { h: FloatHistogram; hintSet: boolean; end: number } | undefined;
  if ((text[i] === "+" || text[i] === "-") && text.startsWith("{{", i + 1)) {
    op = text[i] as "+" | "-";
    second = readHistogram(text, i + 1);
    i = second.end;
  }
  const times = /^x(\d+)/.exec(text.slice(i));
  if (times) i += times[0].length;
  if (i < text.length && !/\s/.test(text[i])) {
    throw new SeriesDescError(`unexpected ${JSON.stringify(text[i])} after histogram`);
  }
  if (op !== undefined && times === null) throw new SeriesDescError("histogram series needs xN");
  if (times === null) {
    out.push({ kind: "histogram", h: first.h, hintSet: first.hintSet });
    return i;
  }
  const n = Number(times[1]);
  let cur = first.h;
  const hintSet = second ? second.hintSet : first.hintSet;
  out.push({ kind: "histogram", h: cur, hintSet: second ? hintSet : first.hintSet });
  for (let k = 1; k <= n; k++) {
    if (second) cur = combineHistograms(cur, second.h, op === "-" ? -1 : 1);
    out.push({ kind: "histogram", h: cur, hintSet });
  }
  return i;
}

function readHistogram(
  text: string,
  i: number,
): { h: FloatHistogram; hintSet: boolean; end: number } {
  const close = text.indexOf("}}", i + 2);
  if (close < 0) throw new SeriesDescError("unterminated histogram");
  const body = text.slice(i + 2, close);
  const h: FloatHistogram = newFloatHistogram();
  let hintSet = false;
  let offset = 0, nOffset = 0;
  const seen = new Set<string>();
  const re = /([A-Za-z_]+)\s*:\s*(\[[^\]]*\]|\S+)/g;
  let rest = body;
  for (const m of body.matchAll(re)) {
    rest = rest.replace(m[0], "");
    const key = m[1].toLowerCase();
    if (seen.has(key)) throw new SeriesDescError(`duplicate key "${key}" in histogram`);
    seen.add(key);
    const raw = m[2];
    const list = () => {
      if (!raw.startsWith("[")) throw new SeriesDescError(`${key} needs a list`);
      return raw.slice(1, -1).trim().split(/\s+/).filter((x) => x !== "").map(seriesNumber);
    };
    switch (key) {
      case "schema":
        h.schema = intValue(raw);
        break;
      case "sum":
        h.sum = seriesNumber(raw);
        break;
      case "count":
        h.count = seriesNumber(raw);
        break;
      case "z_bucket":
        h.zeroCount = seriesNumber(raw);
        break;
      case "z_bucket_w":
        h.zeroThreshold = seriesNumber(raw);
        break;
      case "buckets":
        h.positiveBuckets = list();
        break;
      case "n_buckets":
        h.negativeBuckets = list();
        break;
      case "offset":
        offset = intValue(raw);
        break;
      case "n_offset":
        nOffset = intValue(raw);
        break;
      case "custom_values":
        h.customValues = list();
        break;
      case "counter_reset_hint":
        if (!["unknown", "reset", "not_reset", "gauge"].includes(raw)) {
          throw new SeriesDescError(`bad counter_reset_hint ${raw}`);
        }
        h.counterResetHint = raw as CounterResetHint;
        hintSet = true;
        break;
      default:
        throw new SeriesDescError(`unknown histogram key ${key}`);
    }
  }
  if (rest.trim() !== "") throw new SeriesDescError(`bad histogram description {{${body}}}`);
  if (h.positiveBuckets.length > 0) {
    h.positiveSpans = [{ offset, length: h.positiveBuckets.length }];
  }
  if (h.negativeBuckets.length > 0) {
    h.negativeSpans = [{ offset: nOffset, length: h.negativeBuckets.length }];
  }
  return { h, hintSet, end: close + 2 };
}

function intValue(raw: string): number {
  const v = seriesNumber(raw);
  if (!Number.isInteger(v)) throw new SeriesDescError(`expected integer, got ${raw}`);
  return v;
}

/** Expands spans+buckets into a map from absolute bucket index to count. */
function bucketMap(spans: BucketSpan[], buckets: number[], reduceBy: number): Map<number, number> {
  const out = new Map<number, number>();
  let idx = 0, k = 0;
  for (const s of spans) {
    idx += s.offset;
    for (let j = 0; j < s.length; j++, idx++, k++) {
      const target = reduceBy > 0 ? ((idx - 1) >> reduceBy) + 1 : idx;
      out.set(target, (out.get(target) ?? 0) + buckets[k]);
    }
  }
  return out;
}

function mapToSpans(m: Map<number, number>): { spans: BucketSpan[]; buckets: number[] } {
  const idx = [...m.keys()].sort((a, b) => a - b);
  const spans: BucketSpan[] = [];
  const buckets: number[] = [];
  let prev = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    if (k > 0 && i === prev + 1) spans[spans.length - 1].length++;
    else spans.push({ offset: k === 0 ? i : i - prev - 1, length: 1 });
    buckets.push(m.get(i)!);
    prev = i;
  }
  return { spans, buckets };
}

/** a + sign*b on the coarser of both schemas (the test data only needs bucket-wise addition). */
function combineHistograms(a: FloatHistogram, b: FloatHistogram, sign: 1 | -1): FloatHistogram {
  const custom = a.schema === -53 || b.schema === -53;
  const schema = custom ? a.schema : Math.min(a.schema, b.schema);
  const ra = custom ? 0 : a.schema - schema, rb = custom ? 0 : b.schema - schema;
  const merge = (sa: BucketSpan[], ba: number[], sb: BucketSpan[], bb: number[]) => {
    const m = bucketMap(sa, ba, ra);
    for (const [i, c] of bucketMap(sb, bb, rb)) m.set(i, (m.get(i) ?? 0) + sign * c);
    return mapToSpans(m);
  };
  const pos = merge(a.positiveSpans, a.positiveBuckets, b.positiveSpans, b.positiveBuckets);
  const neg = merge(a.negativeSpans, a.negativeBuckets, b.negativeSpans, b.negativeBuckets);
  const out: FloatHistogram = {
    schema,
    zeroThreshold: Math.max(a.zeroThreshold, b.zeroThreshold),
    zeroCount: a.zeroCount + sign * b.zeroCount,
    count: a.count + sign * b.count,
    sum: a.sum + sign * b.sum,
    positiveSpans: pos.spans,
    positiveBuckets: pos.buckets,
    negativeSpans: neg.spans,
    negativeBuckets: neg.buckets,
    counterResetHint: b.counterResetHint,
  };
  if (a.customValues) out.customValues = a.customValues;
  return out;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i])) i++;
  return i;
}

/** Reads a Go-quoted string (`"..."`, `'...'` or raw `` `...` ``) at `s[i]`. */
export function readQuoted(s: string, i: number): { value: string; end: number } {
  const q = s[i];
  if (q !== '"' && q !== "'" && q !== "`") throw new SeriesDescError(`expected string at ${i}`);
  let j = i + 1;
  if (q === "`") {
    const e = s.indexOf("`", j);
    if (e < 0) throw new SeriesDescError("unterminated raw string");
    return { value: s.slice(j, e), end: e + 1 };
  }
  let out = "";
  while (j < s.length && s[j] !== q) {
    if (s[j] !== "\\") {
      out += s[j++];
      continue;
    }
    const c = s[j + 1];
    j += 2;
    const simple: Record<string, string> = {
      a: "\x07",
      b: "\b",
      f: "\f",
      n: "\n",
      r: "\r",
      t: "\t",
      v: "\v",
      "\\": "\\",
      "'": "'",
      '"': '"',
    };
    if (c in simple) out += simple[c];
    else if (c === "x") out += utf8Byte(s, j, 2, 16), j += 2;
    else if (c === "u") out += String.fromCodePoint(parseInt(s.slice(j, j + 4), 16)), j += 4;
    else if (c === "U") out += String.fromCodePoint(parseInt(s.slice(j, j + 8), 16)), j += 8;
    else if (/[0-7]/.test(c)) out += utf8Byte(s, j - 1, 3, 8), j += 2;
    else throw new SeriesDescError(`unknown escape \\${c}`);
  }
  if (s[j] !== q) throw new SeriesDescError("unterminated string");
  return { value: out, end: j + 1 };
}

function utf8Byte(s: string, i: number, len: number, radix: number): string {
  const v = parseInt(s.slice(i, i + len), radix);
  if (Number.isNaN(v)) throw new SeriesDescError("bad escape");
  return String.fromCharCode(v);
}

/** Go's strconv.Unquote for one whole literal. */
export function goUnquote(lit: string): string {
  const r = readQuoted(lit, 0);
  if (r.end !== lit.length) throw new SeriesDescError(`trailing text after string in ${lit}`);
  return r.value;
}
