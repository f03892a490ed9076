/**
 * Side-by-side evaluation time of our Engine (in-process, MemoryStorage) and a local Prometheus
 * (its own `execTotalTime` from `stats=all`, so HTTP and JSON are excluded) on identical data:
 * 10k counters x 1h at 15s. Needs `prometheus` and `promtool` on PATH; otherwise prints
 * "skipped: prometheus not installed".
 *
 *   ./deno run -A tests/promql/prometheus_compare.ts [--runs 10]
 *
 * Prometheus runs from a temporary directory on a free 127.0.0.1 port and is stopped at the end.
 */
import { labelsFromRecord } from "../../engine/model/labels.ts";
import { MemoryStorage } from "../../engine/storage/memory.ts";
import { Engine } from "../../engine/promql/mod.ts";

const START_MS = 1_700_000_000_000, HOUR_MS = 3_600_000, SCRAPE_MS = 15_000, SERIES = 10_000;

const QUERIES: { name: string; expr: string; range: boolean }[] = [
  { name: "rate, range 1h step 1m", expr: "rate(bench_requests_total[5m])", range: true },
  {
    name: "sum by (job) (rate), range 1h step 1m",
    expr: "sum by (job) (rate(bench_requests_total[5m]))",
    range: true,
  },
  {
    name: "subquery max_over_time(rate[5m])[30m:1m], instant",
    expr: "max_over_time(rate(bench_requests_total[5m])[30m:1m])",
    range: false,
  },
  {
    name: "quantile_over_time(0.9, x[10m]), range 1h step 1m",
    expr: "quantile_over_time(0.9, bench_requests_total[10m])",
    range: true,
  },
];

async function has(bin: string): Promise<boolean> {
  try {
    const r = await new Deno.Command(bin, { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

function value(i: number, k: number): number {
  return (k + 1) * ((i % 7) + 1);
}

async function writeOpenMetrics(path: string): Promise<void> {
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  let buf = "# TYPE bench_requests counter\n";
  for (let i = 0; i < SERIES; i++) {
    for (let t = START_MS, k = 0; t <= START_MS + HOUR_MS; t += SCRAPE_MS, k++) {
      buf += `bench_requests_total{instance="host${i}",job="job${i % 10}"} ${value(i, k)} ${
        (t / 1000).toFixed(3)
      }\n`;
    }
    if (buf.length > 1 << 20) {
      await f.write(enc.encode(buf));
      buf = "";
    }
  }
  await f.write(enc.encode(buf + "# EOF\n"));
  f.close();
}

function memoryData(): MemoryStorage {
  const s = new MemoryStorage();
  for (let i = 0; i < SERIES; i++) {
    const labels = labelsFromRecord({
      __name__: "bench_requests_total",
      instance: `host${i}`,
      job: `job${i % 10}`,
    });
    for (let t = START_MS, k = 0; t <= START_MS + HOUR_MS; t += SCRAPE_MS, k++) {
      s.add(labels, t, value(i, k));
    }
  }
  return s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function main(): Promise<void> {
  const runsIdx = Deno.args.indexOf("--runs");
  const runs = runsIdx >= 0 ? Number(Deno.args[runsIdx + 1]) : 10;
  if (!(await has("prometheus")) || !(await has("promtool"))) {
    console.log("skipped: prometheus not installed");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "promenade_cmp_" });
  let proc: Deno.ChildProcess | undefined;
  try {
    await writeOpenMetrics(`${dir}/data.om`);
    const backfill = await new Deno.Command("promtool", {
      args: ["tsdb", "create-blocks-from", "openmetrics", `${dir}/data.om`, `${dir}/tsdb`],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!backfill.success) throw new Error(new TextDecoder().decode(backfill.stderr));
    await Deno.remove(`${dir}/data.om`);
    await Deno.writeTextFile(`${dir}/prom.yml`, "global:\n  scrape_interval: 1h\n");
    const port = freePort();
    proc = new Deno.Command("prometheus", {
      args: [
        `--config.file=${dir}/prom.yml`,
        `--storage.tsdb.path=${dir}/tsdb`,
        "--storage.tsdb.retention.time=100y",
        `--web.listen-address=127.0.0.1:${port}`,
        "--query.max-samples=50000000",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const base = `http://127.0.0.1:${port}/api/v1`;
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${base}/status/buildinfo`).then((r) => r.body?.cancel())) === undefined) {
          break;
        }
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const engine = new Engine({ samplesMax: 50_000_000 });
    const storage = memoryData();
    const endS = (START_MS + HOUR_MS) / 1000;
    const rows: string[] = [];
    for (const q of QUERIES) {
      const params = new URLSearchParams({ query: q.expr, stats: "all" });
      if (q.range) {
        params.set("start", String(START_MS / 1000));
        params.set("end", String(endS));
        params.set("step", "60");
      } else params.set("time", String(endS));
      const prom: number[] = [], ours: number[] = [];
      for (let r = 0; r < runs + 2; r++) {
        const body = await fetch(`${base}/${q.range ? "query_range" : "query"}?${params}`)
          .then((x) => x.json());
        if (body.status !== "success") throw new Error(JSON.stringify(body));
        const t0 = performance.now();
        if (q.range) {
          await engine.rangeQuery(storage, q.expr, START_MS, START_MS + HOUR_MS, 60_000);
        } else await engine.instantQuery(storage, q.expr, START_MS + HOUR_MS);
        const dt = performance.now() - t0;
        if (r < 2) continue; // warm-up
        prom.push(body.data.stats.timings.execTotalTime * 1000);
        ours.push(dt);
      }
      rows.push(
        `| ${q.name} | ${median(ours).toFixed(1)} ms | ${median(prom).toFixed(1)} ms | ${
          (median(prom) / median(ours)).toFixed(2)
        }x |`,
      );
    }
    console.log(`10k series x 1h at 15s (2.41M samples), median of ${runs} runs each`);
    console.log("| query | Promenade Engine | Prometheus execTotalTime | ratio |");
    console.log("| --- | ---: | ---: | ---: |");
    for (const r of rows) console.log(r);
  } finally {
    if (proc) {
      proc.kill("SIGTERM");
      await proc.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
