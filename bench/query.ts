/**
 * Query latency benchmark through the HTTP API. Loads one hour of 15 s samples for `--series`
 * node_exporter-like and HTTP-histogram series (8-12 labels, `benchLabelSets` of the ingest
 * benchmark) by remote write, then runs a fixed query set (instant and range: rate, sum by,
 * histogram_quantile, topk, avg by over 1 h) `--runs` times each after one warm-up run and prints
 * the median latency per query and the sum of the medians.
 *
 *   ./deno run -A bench/query.ts [--series 10000] [--runs 5] [--prometheus]
 *     [--url http://127.0.0.1:9009] [--prometheus-url http://127.0.0.1:9090]
 *
 * Without `--url` it starts our server (main.ts, KV in a temporary directory, sample age check
 * off) on a free loopback port and stops it at the end; with `--prometheus` it does the same with
 * Debian's `prometheus` (`--web.enable-remote-write-receiver`, temporary TSDB) unless
 * `--prometheus-url` names a running one. Both get the same bodies on `/api/v1/write` and the same
 * queries on `/api/v1/query` and `/api/v1/query_range`. Timestamps end near now, so Prometheus's
 * head accepts them; bodies are sent in time order.
 */
import { parseArgs } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { benchLabelSets } from "../engine/ingest/payloads.ts";
import { snappyEncode } from "../engine/ingest/snappy.ts";
import { WriteRequestSchema } from "../engine/ingest/gen/prometheus/remote_pb.ts";
import { startServer } from "../tests/server.ts";
import { freePort } from "../tests/harness.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    series: { type: "string", default: "10000" },
    runs: { type: "string", default: "5" },
    url: { type: "string" },
    prometheus: { type: "boolean", default: false },
    "prometheus-url": { type: "string" },
    batch: { type: "string", default: "5000" },
  },
});

const SERIES = Number(args.series);
const RUNS = Number(args.runs);
const BATCH = Number(args.batch);
const STEP_MS = 15_000;
const POINTS = 240; // one hour
const LES = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"];

/** The query set: [name, expr, kind]; range queries cover the loaded hour at a 60 s step. */
const QUERIES: [string, string, "instant" | "range"][] = [];
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

const RW_HEADERS = {
  "content-type": "application/x-protobuf",
  "content-encoding": "snappy",
  "x-prometheus-remote-write-version": "0.1.0",
};

interface Target {
  name: string;
  url: string;
  stop(): Promise<void>;
}

async function startOurs(): Promise<Target> {
  if (args.url) return { name: "promenade", url: args.url, stop: async () => {} };
  const dir = await Deno.makeTempDir({ prefix: "bench_query_" });
  const s = await startServer(`${dir}/kv.sqlite`, {
    env: { PROMENADE_SAMPLE_AGE_MAX: "0", PROMENADE_QUERY_TPS: "100000" },
  });
  return {
    name: "promenade",
    url: s.url,
    stop: async () => {
      await s.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function startPrometheus(): Promise<Target> {
  if (args["prometheus-url"]) {
    return { name: "prometheus", url: args["prometheus-url"], stop: async () => {} };
  }
  const dir = await Deno.makeTempDir({ prefix: "bench_prom_" });
  await Deno.writeTextFile(`${dir}/prometheus.yml`, "global:\n  scrape_interval: 1m\n");
  const port = freePort();
  const child = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-remote-write-receiver",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await Deno.remove(dir, { recursive: true });
  };
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${url}/-/ready`);
      await r.body?.cancel();
      if (r.ok) return { name: "prometheus", url, stop };
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error("prometheus did not become ready");
}

/** Sample value of series `i` at step `k`: counters grow, gauges wander, buckets grow with `le`. */
function value(name: string, le: string | undefined, i: number, k: number): number {
  if (le !== undefined) return k * (LES.indexOf(le) + 1) * (1 + (i % 5));
  if (name.endsWith("_total")) return k * (1 + (i % 7)) * 1.5;
  return 1e9 + ((i * 7919 + k * 104729) % 1000) * 1e5;
}

/** Remote-write bodies in time order: for each timestamp, the series in chunks of BATCH. */
function* bodies(sets: [string, string][][], startMs: number): Generator<Uint8Array[]> {
  const labels = sets.map((ls) =>
    ls.map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1))
  );
  const names = sets.map((ls) => ls.find(([n]) => n === "__name__")![1]);
  const les = sets.map((ls) => ls.find(([n]) => n === "le")?.[1]);
  for (let k = 0; k < POINTS; k++) {
    const t = BigInt(startMs + k * STEP_MS);
    const out: Uint8Array[] = [];
    for (let i = 0; i < sets.length; i += BATCH) {
      const req = create(WriteRequestSchema, {
        timeseries: labels.slice(i, i + BATCH).map((l, j) => ({
          labels: l,
          samples: [{ value: value(names[i + j], les[i + j], i + j, k), timestamp: t }],
        })),
      });
      out.push(snappyEncode(toBinary(WriteRequestSchema, req)));
    }
    yield out;
  }
}

async function load(targets: Target[], startMs: number): Promise<void> {
  const sets = benchLabelSets(SERIES);
  const began = performance.now();
  for (const round of bodies(sets, startMs)) {
    for (const target of targets) {
      await Promise.all(round.map(async (body) => {
        const r = await fetch(`${target.url}/api/v1/write`, {
          method: "POST",
          headers: RW_HEADERS,
          body: body as Uint8Array<ArrayBuffer>,
        });
        const text = await r.text();
        if (!r.ok) throw new Error(`${target.name} write: ${r.status} ${text}`);
      }));
    }
  }
  const s = ((performance.now() - began) / 1000).toFixed(1);
  console.log(
    `loaded ${SERIES} series x ${POINTS} samples into ${targets.length} target(s) in ${s} s`,
  );
}

async function timeQuery(url: string, path: string): Promise<number> {
  const began = performance.now();
  const r = await fetch(url + path);
  const body = await r.json();
  const ms = performance.now() - began;
  if (body.status !== "success") throw new Error(`${url}${path}: ${JSON.stringify(body)}`);
  if (body.data.result.length === 0) throw new Error(`${url}${path}: empty result`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const targets = [await startOurs()];
try {
  if (args.prometheus || args["prometheus-url"]) targets.push(await startPrometheus());
  const endMs = Math.floor(Date.now() / STEP_MS) * STEP_MS - STEP_MS;
  const startMs = endMs - (POINTS - 1) * STEP_MS;
  await load(targets, startMs);
  const evalMs = endMs + 7_500;
  const medians = new Map<string, number[]>();
  for (const [name, expr, kind] of QUERIES) {
    const p = new URLSearchParams({ query: expr });
    if (kind === "instant") p.set("time", String(evalMs / 1000));
    else {
      p.set("start", String((evalMs - 3600_000) / 1000));
      p.set("end", String(evalMs / 1000));
      p.set("step", "60");
    }
    const path = `/api/v1/${kind === "instant" ? "query" : "query_range"}?${p}`;
    const row: number[] = [];
    for (const target of targets) {
      await timeQuery(target.url, path); // warm-up
      const runs: number[] = [];
      for (let r = 0; r < RUNS; r++) runs.push(await timeQuery(target.url, path));
      row.push(median(runs));
    }
    medians.set(`${kind.padEnd(7)} ${name}`, row);
  }
  console.log(`\nmedian latency (ms) of ${RUNS} runs, ${SERIES} series`);
  console.log(`${"query".padEnd(30)}${targets.map((t) => t.name.padStart(12)).join("")}`);
  const sums = targets.map(() => 0);
  for (const [label, row] of medians) {
    row.forEach((v, i) => sums[i] += v);
    console.log(`${label.padEnd(30)}${row.map((v) => v.toFixed(1).padStart(12)).join("")}`);
  }
  console.log(
    `${"sum of medians".padEnd(30)}${sums.map((v) => v.toFixed(1).padStart(12)).join("")}`,
  );
} finally {
  for (const t of targets) await t.stop();
}
