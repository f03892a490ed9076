/**
 * PromQL annotations (warnings and infos) with the position of the offending sub-expression,
 * rendered as Prometheus does: `PromQL warning: <text> (<line>:<col>)`.
 */
import type { PosRange } from "./parser/mod.ts";
import { formatFloatG } from "../model/go_format.ts";
import { goQuote } from "../model/go_format.ts";

/** One annotation before rendering. */
export interface Annotation {
  kind: "warning" | "info";
  text: string;
  pos: PosRange;
}

/** A deduplicated set of annotations of one query. */
export class Annotations {
  readonly #items = new Map<string, Annotation>();

  /** Adds one annotation (deduplicated by text and position). */
  add(kind: "warning" | "info", text: string, pos: PosRange): void {
    const key = `${kind}\x00${text}\x00${pos.start}`;
    if (!this.#items.has(key)) this.#items.set(key, { kind, text, pos });
  }

  /** Adds a warning. */
  warn(text: string, pos: PosRange): void {
    this.add("warning", text, pos);
  }

  /** Adds an info. */
  info(text: string, pos: PosRange): void {
    this.add("info", text, pos);
  }

  /**
   * The histogram_quantile monotonicity info: merged across steps and series with the same text,
   * reporting the bucket range, the largest fix, the sample count and the time range.
   */
  monotonicity(
    text: string,
    pos: PosRange,
    ts: number,
    minBucket: number,
    maxBucket: number,
    maxDiff: number,
  ): void {
    const key = `${text}\x00${pos.start}`;
    const m = this.#mono.get(key);
    if (!m) {
      this.#mono.set(key, {
        text,
        pos,
        minTs: ts,
        maxTs: ts,
        minBucket,
        maxBucket,
        maxDiff,
        count: 1,
      });
      return;
    }
    m.minTs = Math.min(m.minTs, ts);
    m.maxTs = Math.max(m.maxTs, ts);
    m.minBucket = Math.min(m.minBucket, minBucket);
    m.maxBucket = Math.max(m.maxBucket, maxBucket);
    m.maxDiff = Math.max(m.maxDiff, maxDiff);
    m.count++;
  }

  readonly #mono = new Map<string, {
    text: string;
    pos: PosRange;
    minTs: number;
    maxTs: number;
    minBucket: number;
    maxBucket: number;
    maxDiff: number;
    count: number;
  }>();

  /** Renders warnings and infos for the given query text. */
  render(query: string): { warnings: string[]; infos: string[] } {
    const warnings: string[] = [];
    const infos: string[] = [];
    for (const m of this.#mono.values()) {
      const iso = (t: number) =>
        new Date(Math.floor(t / 1000) * 1000).toISOString().replace(".000Z", "Z");
      infos.push(
        `PromQL info: ${m.text}, from buckets ${formatFloatG(m.minBucket)} to ${
          formatFloatG(m.maxBucket)
        }, with a max diff of ${formatG2(m.maxDiff)}, over ${m.count} samples from ${
          iso(m.minTs)
        } to ${iso(m.maxTs)} (${startPosInput(query, m.pos.start)})`,
      );
    }
    for (const a of this.#items.values()) {
      const prefix = a.kind === "warning" ? "PromQL warning: " : "PromQL info: ";
      const s = `${prefix}${a.text} (${startPosInput(query, a.pos.start)})`;
      (a.kind === "warning" ? warnings : infos).push(s);
    }
    return { warnings: [...new Set(warnings)], infos: [...new Set(infos)] };
  }
}

/** `line:col` of byte offset `pos` in `query` (1-based), as Prometheus's StartPosInput. */
export function startPosInput(query: string, pos: number): string {
  if (query === "") return "unknown position";
  const bytes = new TextEncoder().encode(query);
  if (pos < 0 || pos > bytes.length) return "invalid position";
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < pos; i++) {
    if (bytes[i] === 10) {
      lastBreak = i;
      line++;
    }
  }
  return `${line}:${pos - lastBreak}`;
}

/** Annotation texts, word for word as Prometheus's util/annotations. */
export const ANNO = {
  invalidQuantile: (q: number) =>
    `quantile value should be between 0 and 1, got ${formatFloatG(q)}`,
  invalidRatio: (q: number, to: number) =>
    `ratio value should be between -1 and 1, got ${formatFloatG(q)}, capping to ${
      formatFloatG(to)
    }`,
  badBucketLabel: (metricName: string, le: string) =>
    `bucket label "le" is missing or has a malformed value of ${goQuote(le)}` +
    (metricName ? ` for metric name ${goQuote(metricName)}` : ""),
  mixedFloatsHistograms: (metricName: string) =>
    `encountered a mix of histograms and floats for metric name ${goQuote(metricName)}`,
  mixedFloatsHistogramsAgg: () => `encountered a mix of histograms and floats for aggregation`,
  mixedClassicNative: (metricName: string) =>
    `vector contains a mix of classic and native histograms` +
    (metricName ? ` for metric name ${goQuote(metricName)}` : ""),
  possibleNonCounter: (metricName: string) =>
    `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${
      goQuote(metricName)
    }`,
  possibleNonCounterLabel: (metricName: string, typeLabel: string) =>
    `metric might not be a counter, __type__ label is not set to "counter" or "histogram", got ${
      goQuote(typeLabel)
    }: ${goQuote(metricName)}`,
  forcedMonotonicity: (metricName: string) =>
    `input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)` +
    (metricName ? ` for metric name ${goQuote(metricName)}` : ""),
  incompatibleTypesInBinOp: (lhs: string, op: string, rhs: string) =>
    `incompatible sample types encountered for binary operator ${goQuote(op)}: ${lhs} ${op} ${rhs}`,
  histogramIgnoredInAgg: (agg: string) => `ignored histogram in ${agg} aggregation`,
  histogramIgnoredInMixedRangeInfo: (metricName: string) =>
    `ignored histograms in a range containing both floats and histograms for metric name ${
      goQuote(metricName)
    }`,
  sortInRangeQuery: () =>
    `sort is ineffective for range queries since results are always ordered by labels`,
  nativeHistogramNotCounter: (metricName: string) =>
    `this native histogram metric is not a counter: ${goQuote(metricName)}`,
  nativeHistogramNotGauge: (metricName: string) =>
    `this native histogram metric is not a gauge: ${goQuote(metricName)}`,
};

/** Go's `%.2g`. */
export function formatG2(f: number): string {
  if (!Number.isFinite(f)) return formatFloatG(f);
  if (f === 0) return "0";
  const e = Math.floor(Math.log10(Math.abs(Number(f.toPrecision(2)))));
  if (e < -4 || e >= 2) {
    const [m, x] = f.toExponential(1).split("e");
    const mm = m.replace(/\.0$/, "");
    const xn = Number(x);
    return `${mm}e${xn < 0 ? "-" : "+"}${Math.abs(xn) < 10 ? "0" : ""}${Math.abs(xn)}`;
  }
  return String(Number(f.toPrecision(2)));
}
