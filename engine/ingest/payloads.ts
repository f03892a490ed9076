/**
 * Remote-write payload builders for tests, fuzzing and benchmarks, encoded with protobuf-es:
 * seeded random requests (1.0 and 2.0) full of edge cases, and realistic node_exporter-like and
 * HTTP-histogram series sets. Not used on the request path.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { STALE_NAN } from "../model/value.ts";
import { type WriteRequest, WriteRequestSchema } from "./gen/prometheus/remote_pb.ts";
import {
  type Histogram as HistogramV1,
  HistogramSchema as HistogramV1Schema,
  type TimeSeries as TimeSeriesV1,
  TimeSeriesSchema as TimeSeriesV1Schema,
} from "./gen/prometheus/types_pb.ts";
import {
  HistogramSchema as HistogramV2Schema,
  type Request as RequestV2,
  RequestSchema,
  type TimeSeries as TimeSeriesV2,
  TimeSeriesSchema as TimeSeriesV2Schema,
} from "./gen/io/prometheus/write/v2/types_pb.ts";

/** Headers of a remote write 1.0 request (snappy-compressed protobuf). */
export const REMOTE_WRITE_V1_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "application/x-protobuf",
  "content-encoding": "snappy",
  "x-prometheus-remote-write-version": "0.1.0",
};

/** A small seeded PRNG (mulberry32) returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ["job", "instance", "le", "code", "method", "a", "zz", "_x", "path", "env"];
const VALUES = ["", "1", "api", "node-1:9100", "ü€", "x".repeat(40), "GET", "0.5", "+Inf"];
const SPECIAL = [NaN, STALE_NAN, Infinity, -Infinity, -0, 0, 1.5, -2.25, 1e300, 5e-324];
const TIMES = [0n, 1n, -1n, -1700000000000n, 1700000000000n, 2n ** 52n + 7n, 2n ** 53n - 1n];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function randomValue(r: () => number): number {
  return r() < 0.3 ? pick(r, SPECIAL) : (r() - 0.5) * 1e6;
}

function randomTime(r: () => number): bigint {
  return r() < 0.3 ? pick(r, TIMES) : 1700000000000n + BigInt(Math.floor(r() * 1e9));
}

function randomLabelPairs(r: () => number): [string, string][] {
  const n = Math.floor(r() * 6);
  const out: [string, string][] = [["__name__", r() < 0.9 ? `m_${Math.floor(r() * 5)}` : ""]];
  const used = new Set<string>(["__name__"]);
  for (let i = 0; i < n; i++) {
    const name = pick(r, NAMES);
    if (used.has(name)) continue;
    used.add(name);
    out.push([name, pick(r, VALUES)]);
  }
  if (r() < 0.5) out.reverse(); // unsorted on the wire
  return out;
}

function randomHistogramFields(r: () => number) {
  const isInt = r() < 0.5;
  const nb = Math.floor(r() * 4);
  return {
    count: isInt
      ? { case: "countInt" as const, value: BigInt(Math.floor(r() * 1000)) }
      : { case: "countFloat" as const, value: r() * 1000 },
    sum: randomValue(r),
    schema: Math.floor(r() * 13) - 4,
    zeroThreshold: r() < 0.5 ? 0 : 1e-128,
    zeroCount: isInt
      ? { case: "zeroCountInt" as const, value: BigInt(Math.floor(r() * 10)) }
      : { case: "zeroCountFloat" as const, value: r() * 10 },
    positiveSpans: nb > 0 ? [{ offset: Math.floor(r() * 5) - 2, length: nb }] : [],
    positiveDeltas: isInt ? Array.from({ length: nb }, () => BigInt(Math.floor(r() * 20) - 5)) : [],
    positiveCounts: isInt ? [] : Array.from({ length: nb }, () => r() * 20),
    negativeSpans: [],
    negativeDeltas: [],
    negativeCounts: [],
    resetHint: Math.floor(r() * 4),
    timestamp: randomTime(r),
    customValues: r() < 0.2 ? [0.1, 1, 10] : [],
  };
}

/** 0-4 samples with edge-case values and timestamps (in no particular order). */
function randomSamples(r: () => number): { value: number; timestamp: bigint }[] {
  return Array.from(
    { length: Math.floor(r() * 5) },
    () => ({ value: randomValue(r), timestamp: randomTime(r) }),
  );
}

/** A random 1.0 request (seeded) with edge-case values, timestamps, labels and histograms. */
export function randomRequestV1(seed: number): WriteRequest {
  const r = rng(seed);
  const timeseries: TimeSeriesV1[] = [];
  const ns = Math.floor(r() * 8);
  for (let i = 0; i < ns; i++) {
    const samples = randomSamples(r);
    const histograms: HistogramV1[] = r() < 0.3
      ? [create(HistogramV1Schema, randomHistogramFields(r) as never)]
      : [];
    const exemplars = r() < 0.2
      ? [{
        labels: [{ name: "trace_id", value: "abc" }],
        value: randomValue(r),
        timestamp: randomTime(r),
      }]
      : [];
    timeseries.push(create(TimeSeriesV1Schema, {
      labels: randomLabelPairs(r).map(([name, value]) => ({ name, value })),
      samples,
      histograms,
      exemplars,
    }));
  }
  const metadata = r() < 0.5
    ? [{ type: Math.floor(r() * 8), metricFamilyName: "m_1", help: "Help ü.", unit: "seconds" }]
    : [];
  return create(WriteRequestSchema, { timeseries, metadata });
}

/**
 * A random 1.0 request (seeded) of the common shape only: series of labels and float samples in
 * time order (edge-case values, timestamps and labels), no histograms, exemplars or metadata.
 */
export function randomPlainRequestV1(seed: number): WriteRequest {
  const r = rng(seed);
  const timeseries: TimeSeriesV1[] = [];
  const ns = Math.floor(r() * 12);
  for (let i = 0; i < ns; i++) {
    const samples = randomSamples(r)
      .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    timeseries.push(create(TimeSeriesV1Schema, {
      labels: randomLabelPairs(r).map(([name, value]) => ({ name, value })),
      samples,
    }));
  }
  return create(WriteRequestSchema, { timeseries });
}

/** Applies 1-4 random mutations: bit flip, byte set, insert, delete, truncate, splice. */
export function mutateBytes(r: () => number, src: Uint8Array): Uint8Array {
  let b = Array.from(src);
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0:
        if (b.length) b[i % b.length] ^= 1 << Math.floor(r() * 8);
        break;
      case 1:
        if (b.length) b[i % b.length] = [0, 0x7f, 0x80, 0xff][Math.floor(r() * 4)];
        break;
      case 2:
        b.splice(i, 0, Math.floor(r() * 256));
        break;
      case 3:
        b.splice(i, 1);
        break;
      case 4:
        b = b.slice(0, i);
        break;
      default: {
        const j = Math.floor(r() * (b.length + 1));
        b.splice(i, 0, ...b.slice(Math.min(i, j), Math.max(i, j)).slice(0, 64));
      }
    }
  }
  return new Uint8Array(b);
}

/** A 2.0 symbol table starting with "": `ref(s)` interns `s` and returns its index. */
function symbolTable(): { symbols: string[]; ref: (s: string) => number } {
  const symbols = [""];
  const index = new Map<string, number>([["", 0]]);
  const ref = (s: string) => {
    let i = index.get(s);
    if (i === undefined) {
      i = symbols.length;
      symbols.push(s);
      index.set(s, i);
    }
    return i;
  };
  return { symbols, ref };
}

/** A random 2.0 request (seeded), with a shared symbol table. */
export function randomRequestV2(seed: number): RequestV2 {
  const r = rng(seed);
  const { symbols, ref } = symbolTable();
  const timeseries: TimeSeriesV2[] = [];
  const ns = Math.floor(r() * 8);
  for (let i = 0; i < ns; i++) {
    const labelsRefs = randomLabelPairs(r).flatMap(([n, v]) => [ref(n), ref(v)]);
    const samples = Array.from({ length: Math.floor(r() * 5) }, () => ({
      value: randomValue(r),
      timestamp: randomTime(r),
      startTimestamp: r() < 0.2 ? 1690000000000n : 0n,
    }));
    const histograms = r() < 0.3
      ? [create(HistogramV2Schema, randomHistogramFields(r) as never)]
      : [];
    const exemplars = r() < 0.2
      ? [{ labelsRefs: [ref("trace_id"), ref("t" + i)], value: randomValue(r), timestamp: 5n }]
      : [];
    const metadata = r() < 0.5
      ? {
        type: Math.floor(r() * 8),
        helpRef: ref("Help text"),
        unitRef: ref(r() < 0.5 ? "" : "bytes"),
      }
      : undefined;
    timeseries.push(create(TimeSeriesV2Schema, {
      labelsRefs,
      samples,
      histograms,
      exemplars,
      metadata,
      createdTimestamp: r() < 0.2 ? 1680000000000n : 0n,
    }));
  }
  return create(RequestSchema, { symbols, timeseries });
}

/** Encodes a 1.0 request. */
export function encodeV1(req: WriteRequest): Uint8Array {
  return toBinary(WriteRequestSchema, req);
}

/** Encodes a 2.0 request. */
export function encodeV2(req: RequestV2): Uint8Array {
  return toBinary(RequestSchema, req);
}

/**
 * Label sets of `n` realistic series with 8-12 labels each: node_exporter-like gauges and
 * counters and HTTP request-duration histogram buckets, as a Prometheus server would send them
 * (with `job`, `instance` and cluster-style external labels).
 */
export function benchLabelSets(n: number): [string, string][][] {
  const out: [string, string][][] = [];
  const les = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"];
  const nodeMetrics = [
    "node_cpu_seconds_total",
    "node_memory_MemAvailable_bytes",
    "node_network_receive_bytes_total",
    "node_disk_io_time_seconds_total",
    "node_filesystem_avail_bytes",
  ];
  for (let i = 0; out.length < n; i++) {
    const host = `ip-10-0-${(i >> 8) & 255}-${i & 255}.ec2.internal:9100`;
    const common: [string, string][] = [
      ["cluster", "prod-eu-1"],
      ["env", "production"],
      ["instance", host],
      ["region", "eu-west-1"],
    ];
    if (i % 2 === 0) {
      const m = nodeMetrics[i % nodeMetrics.length];
      out.push([
        ["__name__", m],
        ...common,
        ["job", "node-exporter"],
        ["cpu", String(i % 64)],
        ["mode", ["idle", "user", "system", "iowait"][i % 4]],
        ["device", `nvme${i % 4}n1`],
      ]);
    } else {
      out.push([
        ["__name__", "http_request_duration_seconds_bucket"],
        ...common,
        ["job", "api"],
        ["handler", `/api/v1/resource/${i % 97}`],
        ["method", ["GET", "POST", "PUT"][i % 3]],
        ["code", ["200", "404", "500"][i % 3]],
        ["le", les[i % les.length]],
        ["service", `svc-${i % 13}`],
      ]);
    }
  }
  return out;
}

/**
 * A 1.0 request with one sample per listed series at time `t` (sorted labels as on the wire):
 * `values[i]` for series i when given, else seeded random values.
 */
export function benchRequestV1(
  sets: [string, string][][],
  t: number,
  seed: number,
  values?: ArrayLike<number>,
): WriteRequest {
  const r = rng(seed);
  return create(WriteRequestSchema, {
    timeseries: sets.map((ls, i) => ({
      labels: ls.map(([name, value]) => ({ name, value }))
        .sort((a, b) => (a.name < b.name ? -1 : 1)),
      samples: [{ value: values ? values[i] : Math.floor(r() * 1e6) / 8, timestamp: BigInt(t) }],
    })),
  });
}

/** The same request in 2.0 form. */
export function benchRequestV2(
  sets: [string, string][][],
  t: number,
  seed: number,
  values?: ArrayLike<number>,
): RequestV2 {
  const r = rng(seed);
  const { symbols, ref } = symbolTable();
  const timeseries = sets.map((ls, i) => ({
    labelsRefs: [...ls].sort((a, b) => (a[0] < b[0] ? -1 : 1)).flatMap((
      [n, v],
    ) => [ref(n), ref(v)]),
    samples: [{ value: values ? values[i] : Math.floor(r() * 1e6) / 8, timestamp: BigInt(t) }],
  }));
  return create(RequestSchema, { symbols, timeseries });
}

/**
 * Advances realistic values of `benchLabelSets` series by one scrape of `intervalS` seconds
 * (`state` holds the current values and is updated in place; zeros start the series): histogram
 * buckets are integer counters, node_cpu_seconds_total counts in 1/100 s (USER_HZ), network bytes
 * are large integer counters, disk io time counts milliseconds, memory and filesystem gauges move
 * in 4 KiB pages. Deterministic for a given `seed`.
 */
export function benchAdvanceValues(
  sets: [string, string][][],
  state: Float64Array,
  intervalS: number,
  seed: number,
): void {
  const r = rng(seed);
  for (let i = 0; i < sets.length; i++) {
    const name = sets[i][0][1];
    const x = state[i];
    const u = r();
    switch (name) {
      case "http_request_duration_seconds_bucket": {
        // Requests per bucket per scrape: small, many buckets idle.
        const rate = (i * 2654435761 % 97) / 20; // 0..4.8 per s
        state[i] = x + Math.floor(u * rate * intervalS * (u < 0.3 ? 0 : 1));
        break;
      }
      case "node_cpu_seconds_total":
        state[i] = Math.round((x + intervalS * (0.05 + 0.4 * u)) * 100) / 100;
        break;
      case "node_network_receive_bytes_total":
        state[i] = x + Math.floor(u * 2e5) * intervalS;
        break;
      case "node_disk_io_time_seconds_total":
        state[i] = Math.round((x + intervalS * 0.02 * u) * 1000) / 1000;
        break;
      case "node_memory_MemAvailable_bytes":
        state[i] = x === 0 ? 8 * 2 ** 30 : u < 0.5 ? x : x + Math.round((u - 0.75) * 2000) * 4096;
        break;
      default: // node_filesystem_avail_bytes and anything else: a slow gauge
        state[i] = x === 0 ? 400 * 2 ** 30 : u < 0.9 ? x : x - Math.floor(u * 100) * 4096;
    }
  }
}

/**
 * Encodes 1.0 requests of one sample per series quickly, for benchmarks that send many rounds:
 * each series' labels are encoded once (sorted, as on the wire), so a request costs a copy of
 * those bytes plus 16 bytes of sample per series. The bytes equal `encodeV1(benchRequestV1(...))`
 * with the same values when `t > 0` and no value is 0 (protobuf-es omits proto3 defaults; both
 * decode the same).
 */
export class BenchEncoderV1 {
  readonly #labels: Uint8Array[];
  #buf = new Uint8Array(1 << 16);

  constructor(sets: [string, string][][]) {
    const enc = new TextEncoder();
    this.#labels = sets.map((ls) => {
      const parts: number[] = [];
      for (const [name, value] of [...ls].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const n = enc.encode(name), v = enc.encode(value);
        const label = [
          0x0a,
          ...uvarintBytes(n.length),
          ...n,
          0x12,
          ...uvarintBytes(v.length),
          ...v,
        ];
        parts.push(0x0a, ...uvarintBytes(label.length), ...label);
      }
      return Uint8Array.from(parts);
    });
  }

  /**
   * Series `[from, to)` with `values[i - from]` at time `t` (plus `tOffsets[i - from]` when
   * given), as a WriteRequest's bytes.
   */
  encode(
    from: number,
    to: number,
    t: number,
    values: ArrayLike<number>,
    tOffsets?: ArrayLike<number>,
  ): Uint8Array {
    let tBytes = uvarintBytes(t);
    let size = 0;
    for (let i = from; i < to; i++) {
      if (tOffsets) tBytes = uvarintBytes(t + tOffsets[i - from]);
      const tsLen = this.#labels[i].length + 2 + 1 + 8 + 1 + tBytes.length;
      size += 1 + uvarintBytes(tsLen).length + tsLen;
    }
    if (this.#buf.length < size) this.#buf = new Uint8Array(size * 2);
    const buf = this.#buf, view = new DataView(buf.buffer);
    let at = 0;
    for (let i = from; i < to; i++) {
      const labels = this.#labels[i];
      if (tOffsets) tBytes = uvarintBytes(t + tOffsets[i - from]);
      const sampleLen = 1 + 8 + 1 + tBytes.length;
      buf[at++] = 0x0a; // WriteRequest.timeseries
      for (const b of uvarintBytes(labels.length + 2 + sampleLen)) buf[at++] = b;
      buf.set(labels, at);
      at += labels.length;
      buf[at++] = 0x12; // TimeSeries.samples
      buf[at++] = sampleLen;
      buf[at++] = 0x09; // Sample.value, fixed64
      view.setFloat64(at, values[i - from], true);
      at += 8;
      buf[at++] = 0x10; // Sample.timestamp, varint
      buf.set(tBytes, at);
      at += tBytes.length;
    }
    if (at !== size) throw new Error(`BUG: encoded ${at} bytes, expected ${size}`);
    return buf.slice(0, size);
  }
}

function uvarintBytes(x: number): number[] {
  const out: number[] = [];
  while (x >= 0x80) {
    out.push((x % 0x80) | 0x80);
    x = Math.floor(x / 0x80);
  }
  out.push(x);
  return out;
}
