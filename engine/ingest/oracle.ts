/**
 * The test oracle: protobuf-es decodes a body and this converts the generated messages into the
 * model `WriteRequest` with the same rules the fast decoder applies (sorted labels, empty-valued
 * labels dropped, series without data dropped, integer histogram deltas summed, 2.0 metadata
 * de-duplicated). Slow and allocation-heavy by design; never on the hot path.
 */
import { fromBinary } from "@bufbuild/protobuf";
import type { Exemplar, MetricMetadata, WriteRequest, WriteSeries } from "../model/write.ts";
import type { CounterResetHint, FloatHistogram, HPoint } from "../model/histogram.ts";
import type { Label, Labels } from "../model/labels.ts";
import { WriteRequestSchema } from "./gen/prometheus/remote_pb.ts";
import type { Histogram as HistogramV1 } from "./gen/prometheus/types_pb.ts";
import {
  type Histogram as HistogramV2,
  RequestSchema,
} from "./gen/io/prometheus/write/v2/types_pb.ts";
import { metricTypeName } from "./decoder.ts";
import { isStaleNaN } from "../model/value.ts";

const HINTS: CounterResetHint[] = ["unknown", "reset", "not_reset", "gauge"];

function sortLabels(pairs: [string, string][]): Labels {
  const out: Label[] = [];
  for (const [name, value] of pairs) if (value !== "") out.push({ name, value });
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

function safe(t: bigint): number {
  if (t > BigInt(Number.MAX_SAFE_INTEGER) || t < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError("oracle: timestamp out of safe range");
  }
  return Number(t);
}

function histogram(h: HistogramV1 | HistogramV2): HPoint {
  const cum = (d: bigint[]) => {
    let c = 0;
    return d.map((x) => (c += Number(x)));
  };
  const fh: FloatHistogram = {
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount: h.zeroCount.case === undefined ? 0 : Number(h.zeroCount.value),
    count: h.count.case === undefined ? 0 : Number(h.count.value),
    sum: h.sum,
    positiveSpans: h.positiveSpans.map((s) => ({ offset: s.offset, length: s.length })),
    positiveBuckets: h.positiveDeltas.length > 0 ? cum(h.positiveDeltas) : [...h.positiveCounts],
    negativeSpans: h.negativeSpans.map((s) => ({ offset: s.offset, length: s.length })),
    negativeBuckets: h.negativeDeltas.length > 0 ? cum(h.negativeDeltas) : [...h.negativeCounts],
    counterResetHint: HINTS[h.resetHint] ?? "unknown",
  };
  if (h.customValues.length > 0) fh.customValues = [...h.customValues];
  if (isStaleNaN(h.sum)) fh.stale = true;
  return { t: safe(h.timestamp), h: fh };
}

function series(
  labels: Labels,
  samples: { t: number; v: number }[],
  histograms: HPoint[],
  exemplars: Exemplar[],
  createdT: number,
): WriteSeries | undefined {
  if (samples.length === 0 && histograms.length === 0 && exemplars.length === 0) return undefined;
  const sorted = samples.map((s, i) => ({ ...s, i })).sort((a, b) => a.t - b.t || a.i - b.i);
  histograms.sort((a, b) => a.t - b.t);
  return {
    labels,
    t: Float64Array.from(sorted, (s) => s.t),
    v: Float64Array.from(sorted, (s) => s.v),
    histograms,
    exemplars,
    createdT,
  };
}

/** Decodes a 1.0 body with protobuf-es and converts it to the model. */
export function oracleDecodeV1(buf: Uint8Array): WriteRequest {
  const msg = fromBinary(WriteRequestSchema, buf);
  const out: WriteRequest = { series: [], metadata: [] };
  for (const ts of msg.timeseries) {
    const s = series(
      sortLabels(ts.labels.map((l) => [l.name, l.value])),
      ts.samples.map((x) => ({ t: safe(x.timestamp), v: x.value })),
      ts.histograms.map(histogram),
      ts.exemplars.map((e) => ({
        labels: sortLabels(e.labels.map((l) => [l.name, l.value])),
        value: e.value,
        t: safe(e.timestamp),
      })),
      0,
    );
    if (s) out.series.push(s);
  }
  for (const m of msg.metadata) {
    out.metadata.push({
      metric: m.metricFamilyName,
      type: metricTypeName(m.type),
      help: m.help,
      unit: m.unit,
    });
  }
  return out;
}

/** Decodes a 2.0 body with protobuf-es and converts it to the model. */
export function oracleDecodeV2(buf: Uint8Array): WriteRequest {
  const msg = fromBinary(RequestSchema, buf);
  const sym = msg.symbols;
  const pairs = (refs: number[]): [string, string][] => {
    if (refs.length % 2 !== 0) throw new RangeError("oracle: odd refs");
    const out: [string, string][] = [];
    for (let i = 0; i < refs.length; i += 2) {
      if (refs[i] >= sym.length || refs[i + 1] >= sym.length) throw new RangeError("oracle: ref");
      out.push([sym[refs[i]], sym[refs[i + 1]]]);
    }
    return out;
  };
  const out: WriteRequest = { series: [], metadata: [] };
  const seen = new Set<string>();
  for (const ts of msg.timeseries) {
    const labels = sortLabels(pairs(ts.labelsRefs));
    let startT = 0;
    for (const x of ts.samples) {
      if (startT === 0 && x.startTimestamp !== 0n) startT = safe(x.startTimestamp);
    }
    for (const h of ts.histograms) {
      if (startT === 0 && h.startTimestamp !== 0n) startT = safe(h.startTimestamp);
    }
    const created = safe(ts.createdTimestamp);
    const s = series(
      labels,
      ts.samples.map((x) => ({ t: safe(x.timestamp), v: x.value })),
      ts.histograms.map(histogram),
      ts.exemplars.map((e) => ({
        labels: sortLabels(pairs(e.labelsRefs)),
        value: e.value,
        t: safe(e.timestamp),
      })),
      created !== 0 ? created : startT,
    );
    if (s) out.series.push(s);
    const md = ts.metadata;
    if (md && (md.type !== 0 || md.helpRef !== 0 || md.unitRef !== 0)) {
      const m: MetricMetadata = {
        metric: labels.find((l) => l.name === "__name__")?.value ?? "",
        type: metricTypeName(md.type),
        help: sym[md.helpRef],
        unit: sym[md.unitRef],
      };
      const key = `${m.metric}\xff${m.type}\xff${m.help}\xff${m.unit}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.metadata.push(m);
      }
    }
  }
  return out;
}
