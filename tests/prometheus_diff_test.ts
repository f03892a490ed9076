/**
 * Differential test against Debian's Prometheus 2.42: identical remote-write bodies go into a
 * Prometheus started with `--web.enable-remote-write-receiver` and into a workspace of ours, then
 * every query of `tests/fixtures/diff/queries.txt` is run against both through the HTTP API and the
 * results are compared value by value (relative difference at most 1e-9).
 *
 * Samples lie on a 15 s grid offset by 3 s; instant queries are evaluated 10.5 s past the grid and
 * range queries on multiples of their step (a multiple of 15 s), so no range window, lookback
 * window or subquery step starts exactly on a sample: Prometheus 2.42 closes windows on the left
 * and 3.x (which we follow) leaves them open, and that must not matter here.
 */
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { startPrometheus } from "./prometheus_process.ts";
import { assert, assertEquals } from "./assert.ts";
import { WriteRequestSchema } from "../engine/ingest/gen/prometheus/remote_pb.ts";
import type { TimeSeriesSchema } from "../engine/ingest/gen/prometheus/types_pb.ts";
import { snappyEncode } from "../engine/ingest/mod.ts";
import { hasCommand, testService } from "./harness.ts";
import { RW1_HEADERS, type TestSeries } from "./rw_client.ts";

const installed = await hasCommand("prometheus", ["--version"]);
if (!installed) console.log("skipped: prometheus not installed");

const STEP_MS = 15_000;
const SPAN_MS = 2 * 3600_000;
const TOLERANCE = 1e-9;

/**
 * Queries whose answers differ between Prometheus 2.42 and the 3.x semantics we implement, with the
 * reason; they stay in the query list (so the list documents them) but are not compared.
 */
const KNOWN_DIFFERENCES: Record<string, string> = {
  "holt_winters(node_memory_free_bytes[10m], 0.5, 0.5)":
    "Prometheus 3.0 renamed holt_winters to double_exponential_smoothing (experimental)",
  'sort_by_label(http_requests_total{code="200"}, "instance")':
    "sort_by_label does not exist in 2.42 (added in 2.49)",
  "mad_over_time(node_memory_free_bytes[10m])":
    "mad_over_time does not exist in 2.42 (added in 2.50)",
  "histogram_quantile(0.9, rate(rpc_duration_seconds[5m]))":
    "for native histograms with exponential buckets Prometheus 2.42 interpolates linearly inside " +
    "the bucket, later versions (and we) exponentially",
};

/** Deterministic pseudo-random numbers (a 32-bit LCG), so both stores see the same data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Node-exporter-like counters and gauges plus an HTTP latency histogram over `SPAN_MS`. */
export function diffSeries(startMs: number): TestSeries[] {
  const rnd = lcg(42);
  const n = SPAN_MS / STEP_MS;
  const out: TestSeries[] = [];
  const counter = (labels: Record<string, string>, rate: number, resetAt = -1) => {
    const samples: [number, number][] = [];
    let v = Math.floor(rnd() * 1000);
    for (let k = 0; k < n; k++) {
      if (k === resetAt) v = 0;
      v += Math.floor(rnd() * rate);
      samples.push([startMs + k * STEP_MS, v]);
    }
    out.push({ labels, samples });
  };
  const gauge = (labels: Record<string, string>, base: number, spread: number) => {
    const samples: [number, number][] = [];
    for (let k = 0; k < n; k++) {
      samples.push([startMs + k * STEP_MS, Math.round((base + rnd() * spread) * 100) / 100]);
    }
    out.push({ labels, samples });
  };
  for (const instance of ["node-a:9100", "node-b:9100"]) {
    for (const cpu of ["0", "1", "2"]) {
      for (const [mode, rate] of [["idle", 15], ["user", 6], ["system", 3]] as const) {
        counter({ __name__: "node_cpu_seconds_total", job: "node", instance, cpu, mode }, rate);
      }
    }
    gauge({ __name__: "node_memory_free_bytes", job: "node", instance }, 1e9, 5e8);
    gauge({ __name__: "node_load1", job: "node", instance }, 0.5, 3);
    counter(
      { __name__: "node_restarts_total", job: "node", instance },
      4,
      instance === "node-a:9100" ? 200 : -1,
    );
  }
  for (const instance of ["web-1:8080", "web-2:8080"]) {
    for (const method of ["GET", "POST"]) {
      for (const [code, rate] of [["200", 50], ["500", 3]] as const) {
        counter(
          { __name__: "http_requests_total", job: "api", instance, method, code },
          method === "GET" ? rate : rate / 2,
        );
      }
    }
    // A classic histogram: cumulative buckets, _sum and _count.
    const les = ["0.05", "0.1", "0.25", "0.5", "1", "+Inf"];
    const cum = les.map(() => 0);
    const buckets = les.map(() => [] as [number, number][]);
    const sums: [number, number][] = [];
    const counts: [number, number][] = [];
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const t = startMs + k * STEP_MS;
      const obs = Math.floor(rnd() * 20);
      for (let o = 0; o < obs; o++) {
        const x = Math.round(rnd() * rnd() * 1500) / 1000;
        sum += x;
        for (let b = 0; b < les.length; b++) if (les[b] === "+Inf" || x <= Number(les[b])) cum[b]++;
      }
      for (let b = 0; b < les.length; b++) buckets[b].push([t, cum[b]]);
      sums.push([t, Math.round(sum * 1000) / 1000]);
      counts.push([t, cum[les.length - 1]]);
    }
    const base = { job: "api", instance };
    les.forEach((le, b) =>
      out.push({
        labels: { __name__: "http_request_duration_seconds_bucket", ...base, le },
        samples: buckets[b],
      })
    );
    out.push({ labels: { __name__: "http_request_duration_seconds_sum", ...base }, samples: sums });
    out.push({
      labels: { __name__: "http_request_duration_seconds_count", ...base },
      samples: counts,
    });
  }
  return out;
}

/**
 * The remote-write body: the float series of `diffSeries` plus integer native histograms (schema 0,
 * negative, zero and positive buckets) on the same grid, whose counts grow by a pseudo-random
 * number of observations each step.
 */
export function diffBody(startMs: number): Uint8Array {
  const rnd = lcg(7);
  const n = SPAN_MS / STEP_MS;
  const timeseries: MessageInitShape<typeof TimeSeriesSchema>[] = diffSeries(startMs).map((ts) => ({
    labels: Object.keys(ts.labels).sort().map((name) => ({ name, value: ts.labels[name] })),
    samples: ts.samples.map(([t, value]) => ({ timestamp: BigInt(t), value })),
  }));
  for (const instance of ["web-1:8080", "web-2:8080"]) {
    const pos = [0, 0, 0, 0], neg = [0, 0];
    let zero = 0, sum = 0;
    const histograms = [];
    for (let k = 0; k < n; k++) {
      for (let b = 0; b < pos.length; b++) pos[b] += Math.floor(rnd() * 5 * (b + 1));
      for (let b = 0; b < neg.length; b++) neg[b] += Math.floor(rnd() * 3);
      zero += Math.floor(rnd() * 2);
      sum += Math.round(rnd() * 1000) / 100;
      const deltas = (c: number[]) => c.map((v, i) => BigInt(v - (i > 0 ? c[i - 1] : 0)));
      histograms.push({
        count: {
          case: "countInt" as const,
          value: BigInt([...pos, ...neg].reduce((a, b) => a + b, zero)),
        },
        sum,
        schema: 0,
        zeroThreshold: 0.001,
        zeroCount: { case: "zeroCountInt" as const, value: BigInt(zero) },
        negativeSpans: [{ offset: 0, length: neg.length }],
        negativeDeltas: deltas(neg),
        positiveSpans: [{ offset: -1, length: pos.length }],
        positiveDeltas: deltas(pos),
        timestamp: BigInt(startMs + k * STEP_MS),
      });
    }
    timeseries.push({
      labels: [
        { name: "__name__", value: "rpc_duration_seconds" },
        { name: "instance", value: instance },
        { name: "job", value: "api" },
      ],
      histograms,
    });
  }
  return snappyEncode(toBinary(WriteRequestSchema, create(WriteRequestSchema, { timeseries })));
}

/** One query of the list: `instant <offset-s> <expr>` or `range <start-s> <end-s> <step-s> <expr>`. */
interface DiffQuery {
  kind: "instant" | "range";
  expr: string;
  /** Offsets in seconds from the end of the data (the last sample). */
  at?: number;
  start?: number;
  end?: number;
  step?: number;
}

/** Reads the query list: one query per line, `#` comments. */
export function readQueries(text: string): DiffQuery[] {
  const out: DiffQuery[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const parts = line.split(/\s+/);
    if (parts[0] === "instant") {
      out.push({ kind: "instant", at: Number(parts[1]), expr: parts.slice(2).join(" ") });
    } else if (parts[0] === "range") {
      out.push({
        kind: "range",
        start: Number(parts[1]),
        end: Number(parts[2]),
        step: Number(parts[3]),
        expr: parts.slice(4).join(" "),
      });
    } else throw new Error(`bad query line: ${line}`);
  }
  return out;
}

type Json = { status: string; data?: { resultType: string; result: unknown }; error?: string };

/** Compares two query results; returns a description of the first difference, or "". */
export function diffResults(ours: Json, theirs: Json): string {
  if (theirs.status !== "success") return `Prometheus failed: ${theirs.error}`;
  if (ours.status !== "success") return `we failed: ${ours.error}`;
  const a = ours.data!, b = theirs.data!;
  if (a.resultType !== b.resultType) return `resultType ${a.resultType} != ${b.resultType}`;
  const close = (x: string, y: string) => {
    const p = Number(x), q = Number(y);
    if (Number.isNaN(p) || Number.isNaN(q)) return Number.isNaN(p) && Number.isNaN(q);
    if (p === q) return true;
    return Math.abs(p - q) <= TOLERANCE * Math.max(Math.abs(p), Math.abs(q));
  };
  if (a.resultType === "scalar") {
    const [ta, va] = a.result as [number, string];
    const [tb, vb] = b.result as [number, string];
    return ta === tb && close(va, vb) ? "" : `scalar ${ta} ${va} != ${tb} ${vb}`;
  }
  type H = { count: string; sum: string; buckets?: [number, string, string, string][] };
  type S = {
    metric: Record<string, string>;
    value?: [number, string];
    values?: [number, string][];
    histogram?: [number, H];
    histograms?: [number, H][];
  };
  const sameHistogram = (x: H, y: H): string => {
    if (!close(x.count, y.count) || !close(x.sum, y.sum)) {
      return `count/sum ${x.count}/${x.sum} vs ${y.count}/${y.sum}`;
    }
    const bx = x.buckets ?? [], by = y.buckets ?? [];
    if (bx.length !== by.length) return `${bx.length} buckets vs ${by.length}`;
    for (let i = 0; i < bx.length; i++) {
      const [ra, la, ua, ca] = bx[i], [rb, lb, ub, cb] = by[i];
      if (ra !== rb || la !== lb || ua !== ub || !close(ca, cb)) {
        return `bucket ${i}: ${JSON.stringify(bx[i])} vs ${JSON.stringify(by[i])}`;
      }
    }
    return "";
  };

  const key = (s: S) => JSON.stringify(Object.entries(s.metric).sort());
  const index = (r: unknown) => new Map((r as S[]).map((s) => [key(s), s]));
  const ma = index(a.result), mb = index(b.result);
  if (ma.size !== mb.size || [...ma.keys()].some((k) => !mb.has(k))) {
    return `series differ: ours ${[...ma.keys()].join(" ")} vs ${[...mb.keys()].join(" ")}`;
  }
  for (const [k, sa] of ma) {
    const sb = mb.get(k)!;
    const ha = sa.histogram ? [sa.histogram] : sa.histograms ?? [];
    const hb = sb.histogram ? [sb.histogram] : sb.histograms ?? [];
    if (ha.length !== hb.length) return `${k}: ${ha.length} histograms vs ${hb.length}`;
    for (let i = 0; i < ha.length; i++) {
      const d = ha[i][0] === hb[i][0] ? sameHistogram(ha[i][1], hb[i][1]) : "timestamp";
      if (d !== "") return `${k} histogram at ${hb[i][0]}: ${d}`;
    }
    const pa = sa.value ? [sa.value] : sa.values ?? [];
    const pb = sb.value ? [sb.value] : sb.values ?? [];
    if (pa.length !== pb.length) return `${k}: ${pa.length} points vs ${pb.length}`;
    for (let i = 0; i < pa.length; i++) {
      if (pa[i][0] !== pb[i][0] || !close(pa[i][1], pb[i][1])) {
        return `${k} at ${pb[i][0]}: ours ${pa[i][1]} @${pa[i][0]}, Prometheus ${pb[i][1]}`;
      }
    }
  }
  return "";
}

Deno.test({
  name: "query results match Prometheus 2.42 on the same remote-written data",
  ignore: !installed,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "prom_diff_" });
    const prom = await startPrometheus(dir, ["native-histograms"]);
    const svc = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0" } });
    try {
      // Last sample about 5 minutes ago, on the 15 s grid plus 3 s.
      const now = Date.now();
      const lastMs = Math.floor(now / STEP_MS) * STEP_MS - 20 * STEP_MS + 3_000;
      const startMs = lastMs - SPAN_MS + STEP_MS;
      // One body: Prometheus 2.42 refuses samples older than an hour before its head's newest.
      const body = diffBody(startMs) as Uint8Array<ArrayBuffer>;
      const pw = await fetch(`${prom.url}/api/v1/write`, {
        method: "POST",
        headers: RW1_HEADERS,
        body,
      });
      assertEquals(pw.status, 204, await pw.text());
      const ow = await svc.app.request("/api/v1/write", {
        method: "POST",
        headers: RW1_HEADERS,
        body,
      });
      assertEquals(ow.status, 204, await ow.text());

      const queries = readQueries(
        await Deno.readTextFile(new URL("./fixtures/diff/queries.txt", import.meta.url)),
      );
      assert(queries.length >= 50, `${queries.length} queries`);
      // Evaluation times: the last sample plus 7.5 s (10.5 s past the grid) minus whole steps.
      const base = lastMs + 7_500;
      const sec = (ms: number) => String(ms / 1000);
      const failures: string[] = [];
      let compared = 0;
      let empty = 0;
      for (const dq of queries) {
        const params = new URLSearchParams({ query: dq.expr });
        if (dq.kind === "instant") params.set("time", sec(base - dq.at! * 1000));
        else {
          // Range queries start and end on multiples of the step (AMP aligns them so; Prometheus
          // does not), which with steps of whole quarter minutes is 3 s before the next sample.
          const step = dq.step! * 1000;
          params.set("start", sec(Math.floor((base - dq.start! * 1000) / step) * step));
          params.set("end", sec(Math.floor((base - dq.end! * 1000) / step) * step));
          params.set("step", String(dq.step));
        }
        const path = `/api/v1/${dq.kind === "instant" ? "query" : "query_range"}?${params}`;
        const theirs = await (await fetch(prom.url + path)).json() as Json;
        const ours = await (await svc.app.request(path)).json() as Json;
        const d = diffResults(ours, theirs);
        if (KNOWN_DIFFERENCES[dq.expr]) {
          // Keep the list honest: a listed query must still differ.
          if (d === "") failures.push(`${dq.expr}: listed as a known difference but matches`);
          continue;
        }
        if (d !== "") failures.push(`${dq.kind} ${dq.expr}: ${d}`);
        const r = theirs.data?.result;
        if (Array.isArray(r) && r.length === 0) empty++;
        compared++;
      }
      console.log(
        `compared ${compared} queries (${empty} with empty results), skipped ${
          queries.length - compared
        } known differences`,
      );
      assertEquals(failures, []);
      // Only the absent* queries are expected to be empty.
      assert(empty <= 2, `${empty} empty results: the data did not load as intended`);
    } finally {
      await svc.close();
      await prom.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("diffResults() reports differing values, timestamps, series and errors", () => {
  const vec = (v: string, t = 10, name = "a") => ({
    status: "success",
    data: { resultType: "vector", result: [{ metric: { __name__: name }, value: [t, v] }] },
  });
  assertEquals(diffResults(vec("1"), vec("1")), "");
  assertEquals(diffResults(vec("1"), vec("1.0000000000001")), "");
  assertEquals(diffResults(vec("NaN"), vec("NaN")), "");
  assert(diffResults(vec("1"), vec("1.00001")) !== "");
  assert(diffResults(vec("1", 10), vec("1", 11)) !== "");
  assert(diffResults(vec("1", 10, "a"), vec("1", 10, "b")).startsWith("series differ"));
  assert(diffResults({ status: "error", error: "x" }, vec("1")).startsWith("we failed"));
  const scalar = (v: string) => ({
    status: "success",
    data: { resultType: "scalar", result: [1, v] },
  });
  assert(diffResults(scalar("2"), vec("2")).startsWith("resultType"));
  assert(diffResults(scalar("2"), scalar("3")) !== "");
  const hist = (count: string, rule: number) => ({
    status: "success",
    data: {
      resultType: "vector",
      result: [{
        metric: {},
        histogram: [1, { count, sum: "1", buckets: [[rule, "1", "2", count]] }],
      }],
    },
  });
  assertEquals(diffResults(hist("3", 0), hist("3", 0)), "");
  assert(diffResults(hist("3", 0), hist("4", 0)) !== "");
  assert(diffResults(hist("3", 0), hist("3", 1)).includes("bucket 0"));
});
