/**
 * The Prometheus JSON envelope: one writer for success, one for errors, and the table that maps
 * error classes to `errorType` and HTTP status. Values are written as Prometheus does: timestamps as
 * seconds with millisecond fraction, sample values as strings ("NaN", "+Inf", shortest digits).
 */
import type { Context } from "hono";
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
import { formatFloatF } from "../../engine/promql/format_float.ts";

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
  unavailable: 503,
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
  return c.body(body, 200, { "content-type": "application/json" });
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
  const message = type === "internal"
    ? `internal error: ${(err as Error)?.message ?? String(err)}`
    : (err as Error).message;
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
  return `"${formatFloatF(v)}"`;
}

/** Labels as a JSON object. */
export function metricJson(labels: Labels): string {
  let s = "{";
  for (let i = 0; i < labels.length; i++) {
    if (i > 0) s += ",";
    s += JSON.stringify(labels[i].name) + ":" + JSON.stringify(labels[i].value);
  }
  return s + "}";
}

/** A native histogram in Prometheus's JSON (count, sum, buckets as [boundaryRule, lower, upper, count]). */
export function histogramJson(h: FloatHistogram): string {
  const buckets: string[] = [];
  const zt = h.zeroThreshold;
  const base = Math.pow(2, Math.pow(2, -h.schema));
  const spans = (
    spansArr: { offset: number; length: number }[],
    counts: number[],
    negative: boolean,
  ) => {
    let idx = 0;
    let k = 0;
    for (const span of spansArr) {
      idx += span.offset;
      for (let j = 0; j < span.length; j++, idx++, k++) {
        const count = counts[k];
        if (count === 0) continue;
        let lower: number, upper: number;
        if (h.schema === -53 && h.customValues) {
          lower = idx === 0 ? -Infinity : h.customValues[idx - 1];
          upper = idx < h.customValues.length ? h.customValues[idx] : Infinity;
        } else {
          upper = Math.pow(base, idx);
          lower = Math.pow(base, idx - 1);
        }
        if (negative) [lower, upper] = [-upper, -lower];
        const rule = negative ? 1 : 0; // Prometheus: 0 = left-open right-closed, 1 = left-closed right-open
        buckets.push(
          `[${rule},"${formatFloatF(lower)}","${formatFloatF(upper)}","${formatFloatF(count)}"]`,
        );
      }
    }
  };
  spans(h.negativeSpans, h.negativeBuckets, true);
  if (h.zeroCount > 0) {
    buckets.unshift(
      `[3,"${formatFloatF(-zt)}","${formatFloatF(zt)}","${formatFloatF(h.zeroCount)}"]`,
    );
  }
  spans(h.positiveSpans, h.positiveBuckets, false);
  let s = `{"count":"${formatFloatF(h.count)}","sum":"${formatFloatF(h.sum)}"`;
  if (buckets.length > 0) s += `,"buckets":[${buckets.join(",")}]`;
  return s + "}";
}

/** The `data` of a query response: resultType, result and (with stats=all) stats. */
export function queryDataJson(out: QueryOutcome, withStats: boolean): string {
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
      for (let i = 0; i < v.series.length; i++) {
        const s = v.series[i];
        let p = `{"metric":${metricJson(s.labels)}`;
        if (s.t.length > 0) {
          const pts: string[] = new Array(s.t.length);
          for (let j = 0; j < s.t.length; j++) pts[j] = `[${ts(s.t[j])},${val(s.v[j])}]`;
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
  if (withStats) {
    const perStep = out.stats.totalQueryableSamplesPerStep.map((n, i) =>
      `[${ts(out.stepTimes[i])},${n}]`
    );
    data +=
      `,"stats":{"timings":${
        JSON.stringify({ ...out.timings, resultSortTime: 0, execQueueTime: 0 })
      }` +
      `,"samples":{"totalQueryableSamplesPerStep":[${
        perStep.join(",")
      }],"totalQueryableSamples":${out.stats.totalQueryableSamples}}}`;
  }
  return data + "}";
}
