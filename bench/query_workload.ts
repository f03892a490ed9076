/**
 * The query benchmark's workload, shared by bench/query.ts (over HTTP, against Prometheus too) and
 * bench/query_inproc.ts (in process, for profiling): one hour of 15 s samples of node_exporter-like
 * and HTTP-histogram series, and the query set.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { snappyEncode } from "../engine/ingest/snappy.ts";
import { WriteRequestSchema } from "../engine/ingest/gen/prometheus/remote_pb.ts";
import { REMOTE_WRITE_V1_HEADERS } from "../engine/ingest/payloads.ts";

/** Sample interval (ms). */
export const STEP_MS = 15_000;
/** Samples per series: one hour. */
export const POINTS = 240;
const LES = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"];

/** The query set: [name, expr, kind]; range queries cover the loaded hour at a 60 s step. */
export const QUERIES: [string, string, "instant" | "range"][] = [];
for (
  const [name, expr] of [
    ["rate", "rate(node_cpu_seconds_total[5m])"],
    ["sum by", "sum by (mode) (rate(node_cpu_seconds_total[5m]))"],
    [
      "histogram_quantile",
      "histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    ],
    ["topk", "topk(10, rate(http_request_duration_seconds_bucket[5m]))"],
    ["avg by over 1h", "avg by (job) (avg_over_time(node_memory_MemAvailable_bytes[1h]))"],
  ] as const
) {
  QUERIES.push([name, expr, "instant"], [name, expr, "range"]);
}

/** Headers of a remote-write request. */
export const RW_HEADERS = REMOTE_WRITE_V1_HEADERS;

/** The API path of a query evaluated at `evalMs` (range: the hour before it at a 60 s step). */
export function queryPath(expr: string, kind: "instant" | "range", evalMs: number): string {
  const p = new URLSearchParams({ query: expr });
  if (kind === "instant") p.set("time", String(evalMs / 1000));
  else {
    p.set("start", String((evalMs - 3600_000) / 1000));
    p.set("end", String(evalMs / 1000));
    p.set("step", "60");
  }
  return `/api/v1/${kind === "instant" ? "query" : "query_range"}?${p}`;
}

/** Sample value of series `i` at step `k`: counters grow, gauges wander, buckets grow with `le`. */
function value(name: string, le: string | undefined, i: number, k: number): number {
  if (le !== undefined) return k * (LES.indexOf(le) + 1) * (1 + (i % 5));
  if (name.endsWith("_total")) return k * (1 + (i % 7)) * 1.5;
  return 1e9 + ((i * 7919 + k * 104729) % 1000) * 1e5;
}

/** Remote-write bodies in time order: for each timestamp, the series in chunks of `batch`. */
export function* writeBodies(
  sets: [string, string][][],
  startMs: number,
  batch: number,
): Generator<Uint8Array[]> {
  const labels = sets.map((ls) =>
    ls.map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1))
  );
  const names = sets.map((ls) => ls.find(([n]) => n === "__name__")![1]);
  const les = sets.map((ls) => ls.find(([n]) => n === "le")?.[1]);
  for (let k = 0; k < POINTS; k++) {
    const t = BigInt(startMs + k * STEP_MS);
    const out: Uint8Array[] = [];
    for (let i = 0; i < sets.length; i += batch) {
      const req = create(WriteRequestSchema, {
        timeseries: labels.slice(i, i + batch).map((l, j) => ({
          labels: l,
          samples: [{ value: value(names[i + j], les[i + j], i + j, k), timestamp: t }],
        })),
      });
      out.push(snappyEncode(toBinary(WriteRequestSchema, req)));
    }
    yield out;
  }
}
