/**
 * The Prometheus JSON envelope: one writer for success, one for errors, and the table that maps
 * error classes to `errorType` and HTTP status. Values are written as Prometheus does: timestamps as
 * seconds with millisecond fraction, sample values as strings ("NaN", "+Inf", shortest digits).
 */
import zlib from "node:zlib";
import type { Context } from "hono";
import { parseAccept } from "hono/utils/accept";
import type { FloatHistogram, Labels } from "../../engine/model/mod.ts";
import {
  BadDataError,
  type QueryOutcome,
  QueryThrottledError,
  WorkspaceNotFoundError,
} from "../../engine/prom_api.ts";
import {
  PromQLParseError,
  QueryCanceledError,
  QueryExecutionError,
  QueryTimeoutError,
  QueryTooComplexError,
  TooManySamplesError,
} from "../../engine/promql/mod.ts";
import { formatFloatE, formatFloatF } from "../../engine/model/go_format.ts";

/** Prometheus API errorType values. */
export type ErrorType =
  | "bad_data"
  | "execution"
  | "timeout"
  | "canceled"
  | "internal"
  | "unavailable"
  | "not_found";

const STATUS: Record<ErrorType, number> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  canceled: 499,
  internal: 500,
  unavailable: 500, // Prometheus has no dedicated status for it
  not_found: 404,
};

/** The one table from error classes to errorType. */
export function classify(err: unknown): ErrorType {
  if (
    err instanceof BadDataError || err instanceof PromQLParseError ||
    err instanceof QueryTooComplexError
  ) {
    return "bad_data";
  }
  if (err instanceof WorkspaceNotFoundError) return "not_found";
  if (err instanceof QueryTimeoutError) return "timeout";
  if (err instanceof QueryCanceledError) return "canceled";
  if (err instanceof QueryExecutionError || err instanceof TooManySamplesError) return "execution";
  return "internal";
}

/** Writes `{"status":"success","data":...}` with optional warnings/infos; `dataJson` is pre-encoded. */
export function success(
  c: Context,
  dataJson: string,
  warnings: string[] = [],
  infos: string[] = [],
): Response {
  let body = `{"status":"success","data":${dataJson}`;
  if (warnings.length > 0) body += `,"warnings":${JSON.stringify(warnings)}`;
  if (infos.length > 0) body += `,"infos":${JSON.stringify(infos)}`;
  body += "}";
  const encoding = acceptedEncoding(c.req.header("accept-encoding"));
  if (encoding === undefined) return c.body(body, 200, { "content-type": "application/json" });
  // Compressed here, synchronously and at the fastest level, rather than by the compress
  // middleware (a CompressionStream at the default level costs several times more CPU on large
  // query results); the middleware leaves responses with a Content-Encoding alone.
  const bytes = TEXT.encode(body);
  const packed = encoding === "gzip"
    ? zlib.gzipSync(bytes, { level: 1 })
    : zlib.deflateSync(bytes, { level: 1 });
  return c.body(packed as Uint8Array<ArrayBuffer>, 200, {
    "content-type": "application/json",
    "content-encoding": encoding,
    "vary": "Accept-Encoding",
  });
}

const TEXT = new TextEncoder();

/**
 * The encoding to answer with for an Accept-Encoding header, as the compress middleware picks
 * it: gzip or deflate, the first with q=1, else the highest positive q (a `*` counts for both).
 */
export function acceptedEncoding(header: string | undefined): "gzip" | "deflate" | undefined {
  if (header === undefined) return undefined;
  const accepts = parseAccept(header);
  const wildcard = accepts.find((a) => a.type === "*")?.q;
  let best: "gzip" | "deflate" | undefined, bestQ = 0;
  for (const enc of ["gzip", "deflate"] as const) {
    const q = accepts.find((a) => a.type.toLowerCase() === enc)?.q ?? wildcard ?? 0;
    if (q === 1) return enc;
    if (q > bestQ) {
      best = enc;
      bestQ = q;
    }
  }
  return best;
}

/** Writes the error envelope for `err` (429 for throttling, as AMP answers). */
export function failure(c: Context, err: unknown): Response {
  if (err instanceof QueryThrottledError) {
    return c.body(JSON.stringify({ message: err.message }), 429, {
      "content-type": "application/json",
      "retry-after": String(err.retryAfterSeconds),
    });
  }
  const type = classify(err);
  const message = err instanceof Error ? err.message : String(err);
  return c.body(
    JSON.stringify({ status: "error", errorType: type, error: message }),
    STATUS[type] as 400,
    {
      "content-type": "application/json",
    },
  );
}

/** Timestamp in ms as Prometheus's JSON: seconds with a 3-digit millisecond fraction when non-zero. */
export function ts(t: number): string {
  const neg = t < 0;
  const a = Math.abs(t);
  const sec = Math.floor(a / 1000);
  const frac = a - sec * 1000;
  let s = (neg ? "-" : "") + sec;
  if (frac !== 0) s += "." + String(frac).padStart(3, "0");
  return s;
}

/** A sample value as Prometheus's JSON string. */
export function val(v: number): string {
  const a = Math.abs(v);
  // Between 1e-6 and 1e21 JavaScript's own shortest round-trip string is Go's 'f' form already
  // (ECMA-262 Number::toString uses fixed notation exactly there), at a fraction of the cost.
  if (a >= 1e-6 && a < 1e21) return '"' + v + '"';
  // As Prometheus's jsonutil.MarshalFloat: strconv 'e' below 1e-6 and from 1e21, 'f' otherwise.
  if (a !== 0 && (a < 1e-6 || a >= 1e21) && a !== Infinity) return `"${formatFloatE(v)}"`;
  return `"${formatFloatF(v)}"`;
}

/** Distinct timestamps whose JSON prefix one matrix rendering remembers. */
const TIMESTAMPS_MEMO_MAX = 11_000;

/** Labels as a JSON object. */
export function metricJson(labels: Labels): string {
  let s = "{";
  for (let i = 0; i < labels.length; i++) {
    if (i > 0) s += ",";
    s += JSON.stringify(labels[i].name) + ":" + JSON.stringify(labels[i].value);
  }
  return s + "}";
}

/**
 * Upper bound of exponential bucket `idx` in `schema`, as Prometheus computes it: 2^(idx/2^schema)
 * correctly rounded, and the bucket below the ±Inf overflow bucket ends at the largest finite
 * float instead of +Inf.
 */
export function exponentialBound(idx: number, schema: number): number {
  if (schema < 0) {
    const exp = idx * Math.pow(2, -schema);
    if (exp === 1024) return Number.MAX_VALUE;
    return Math.pow(2, exp);
  }
  const per = Math.pow(2, schema);
  const fracIdx = ((idx % per) + per) % per;
  const exp = Math.floor(idx / per) + 1;
  if (fracIdx === 0 && exp === 1025) return Number.MAX_VALUE;
  const frac = exp2Fraction(fracIdx, schema) / 2; // in [0.5, 1)
  if (exp > 1000) return frac * Math.pow(2, exp - 1000) * Math.pow(2, 1000);
  if (exp < -1000) return frac * Math.pow(2, exp + 1000) * Math.pow(2, -1000);
  return frac * Math.pow(2, exp);
}

const exp2Cache = new Map<number, number>();

/**
 * 2^(j/2^schema) for 0 <= j < 2^schema, rounded to the nearest double. `Math.pow` can be one ulp
 * off; the neighbours are settled exactly: a midpoint m = (2D+1)/2^53 between doubles in [1, 2)
 * lies below the true value iff (2D+1)^(2^schema) < 2^(j + 53·2^schema).
 */
function exp2Fraction(j: number, schema: number): number {
  const key = schema * 1024 + j;
  const hit = exp2Cache.get(key);
  if (hit !== undefined) return hit;
  const per = 2 ** schema;
  let d = Math.pow(2, j / per);
  if (j !== 0) {
    const target = 1n << BigInt(j + 53 * per);
    const midBelowTrue = (twiceDPlusOne: bigint) => {
      let x = twiceDPlusOne;
      for (let k = 0; k < schema; k++) x *= x;
      return x < target;
    };
    const ulp = Math.pow(2, -52);
    for (let guard = 0; guard < 4; guard++) {
      const D = BigInt(Math.round((d - 1) * 2 ** 52)) + (1n << 52n);
      if (midBelowTrue(2n * D + 1n)) d += ulp;
      else if (!midBelowTrue(2n * D - 1n)) d -= ulp;
      else break;
    }
  }
  exp2Cache.set(key, d);
  return d;
}

/**
 * A native histogram in Prometheus's JSON: count, sum, and the non-empty buckets from the lowest
 * to the highest (negative buckets, zero bucket, positive buckets) as
 * `[boundaryRule, lower, upper, count]`, where the rule is 0 for (lower, upper], 1 for
 * [lower, upper), 2 for (lower, upper) and 3 for [lower, upper].
 */
export function histogramJson(h: FloatHistogram): string {
  const out: string[] = [];
  const zt = h.zeroThreshold;
  const custom = h.schema === -53 && h.customValues !== undefined;
  const bound = (idx: number): number => {
    if (!custom) return exponentialBound(idx, h.schema);
    const cv = h.customValues!;
    if (idx === -1) return -Infinity;
    if (idx === cv.length) return Infinity;
    return cv[idx];
  };
  const push = (
    lower: number,
    upper: number,
    lowerIncl: boolean,
    upperIncl: boolean,
    n: number,
  ) => {
    if (n === 0) return;
    if (upper < 0 && upper > -zt) upper = -zt;
    else if (lower > 0 && lower < zt) lower = zt;
    const rule = lowerIncl ? (upperIncl ? 3 : 1) : (upperIncl ? 0 : 2);
    out.push(`[${rule},"${formatFloatF(lower)}","${formatFloatF(upper)}","${formatFloatF(n)}"]`);
  };
  // Bucket indexes in ascending order, for the negative side then walked backwards.
  const indexes = (spans: { offset: number; length: number }[]): number[] => {
    const idx: number[] = [];
    let i = 0;
    for (const span of spans) {
      i += span.offset;
      for (let j = 0; j < span.length; j++, i++) idx.push(i);
    }
    return idx;
  };
  const neg = indexes(h.negativeSpans);
  for (let k = Math.min(neg.length, h.negativeBuckets.length) - 1; k >= 0; k--) {
    const lower = -bound(neg[k]), upper = -bound(neg[k] - 1);
    push(
      lower,
      upper,
      custom ? neg[k] === 0 : lower < 0,
      custom ? true : upper > 0,
      h.negativeBuckets[k],
    );
  }
  if (!custom && h.zeroCount > 0) {
    out.push(`[3,"${formatFloatF(-zt)}","${formatFloatF(zt)}","${formatFloatF(h.zeroCount)}"]`);
  }
  const pos = indexes(h.positiveSpans);
  for (let k = 0; k < Math.min(pos.length, h.positiveBuckets.length); k++) {
    const lower = bound(pos[k] - 1), upper = bound(pos[k]);
    push(
      lower,
      upper,
      custom ? pos[k] === 0 : lower < 0,
      custom ? true : upper > 0,
      h.positiveBuckets[k],
    );
  }
  let s = `{"count":"${formatFloatF(h.count)}","sum":"${formatFloatF(h.sum)}"`;
  if (out.length > 0) s += `,"buckets":[${out.join(",")}]`;
  return s + "}";
}

/** Adds Prometheus's deprecation warning for a `stats` value other than "", "true" and "all". */
export function statsWarnings(warnings: string[], stats: string): string[] {
  if (stats === "" || stats === "true" || stats === "all") return warnings;
  return [
    ...warnings,
    `value ${
      JSON.stringify(stats)
    } for parameter "stats" is deprecated and will be rejected in the next major release, use "true" or "all"`,
  ];
}

/**
 * The `data` of a query response: resultType, result and, when the `stats` parameter is set, the
 * statistics (per-step sample counts only for `stats=all`).
 */
export function queryDataJson(out: QueryOutcome, stats: string): string {
  const v = out.value;
  let result: string;
  switch (v.type) {
    case "scalar":
      result = `[${ts(v.t)},${val(v.v)}]`;
      break;
    case "string":
      result = `[${ts(v.t)},${JSON.stringify(v.v)}]`;
      break;
    case "vector": {
      const parts: string[] = new Array(v.samples.length);
      for (let i = 0; i < v.samples.length; i++) {
        const s = v.samples[i];
        parts[i] = s.h
          ? `{"metric":${metricJson(s.labels)},"histogram":[${ts(s.t)},${histogramJson(s.h)}]}`
          : `{"metric":${metricJson(s.labels)},"value":[${ts(s.t)},${val(s.v!)}]}`;
      }
      result = `[${parts.join(",")}]`;
      break;
    }
    case "matrix": {
      const parts: string[] = new Array(v.series.length);
      // Series share the query's steps: each timestamp is formatted once.
      const stamps = new Map<number, string>();
      for (let i = 0; i < v.series.length; i++) {
        const s = v.series[i];
        let p = `{"metric":${metricJson(s.labels)}`;
        if (s.t.length > 0) {
          const pts: string[] = new Array(s.t.length);
          for (let j = 0; j < s.t.length; j++) {
            const t = s.t[j];
            let head = stamps.get(t);
            if (head === undefined) {
              head = "[" + ts(t) + ",";
              if (stamps.size < TIMESTAMPS_MEMO_MAX) stamps.set(t, head);
            }
            pts[j] = head + val(s.v[j]) + "]";
          }
          p += `,"values":[${pts.join(",")}]`;
        }
        if (s.ht && s.h && s.ht.length > 0) {
          const pts = s.ht.map((t, j) => `[${ts(t)},${histogramJson(s.h![j])}]`);
          p += `,"histograms":[${pts.join(",")}]`;
        }
        parts[i] = p + "}";
      }
      result = `[${parts.join(",")}]`;
      break;
    }
  }
  let data = `{"resultType":"${v.type}","result":${result}`;
  if (stats !== "") {
    const t = out.timings;
    data += `,"stats":{"timings":{"evalTotalTime":${t.evalTotalTime},"resultSortTime":0` +
      `,"queryPreparationTime":${t.queryPreparationTime},"innerEvalTime":${t.innerEvalTime}` +
      `,"execQueueTime":0,"execTotalTime":${t.execTotalTime}},"samples":{`;
    if (stats === "all" && out.stepTimes.length > 0) {
      const perStep = out.stats.totalQueryableSamplesPerStep.map((n, i) =>
        // Prometheus marshals these timestamps as JSON floats (seconds), not like sample times.
        `[${out.stepTimes[i] / 1000},${n}]`
      );
      data += `"totalQueryableSamplesPerStep":[${perStep.join(",")}],`;
    }
    data += `"totalQueryableSamples":${out.stats.totalQueryableSamples}}}`;
  }
  return data + "}";
}
