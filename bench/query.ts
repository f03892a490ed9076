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
import { startPrometheus as startPrometheusProcess } from "../tests/prometheus_process.ts";
import { benchLabelSets } from "../engine/ingest/payloads.ts";
import { POINTS, QUERIES, queryPath, RW_HEADERS, STEP_MS, writeBodies } from "./query_workload.ts";
import { startServer } from "../tests/server.ts";

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
  const p = await startPrometheusProcess(dir);
  return {
    name: "prometheus",
    url: p.url,
    stop: async () => {
      await p.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function load(targets: Target[], startMs: number): Promise<void> {
  const sets = benchLabelSets(SERIES);
  const began = performance.now();
  for (const round of writeBodies(sets, startMs, BATCH)) {
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
    const path = queryPath(expr, kind, evalMs);
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
