/**
 * In-process variant of bench/query.ts for profiling: loads the same workload into a service on
 * in-memory KV through `app.request()` and times the same query set (gzip accepted, as `fetch`
 * sends), printing the median latency and the median process CPU time (user + system) per query
 * and their sums. Run with `--cpu-prof` to profile.
 *
 *   ./deno run -A [--cpu-prof] bench/query_inproc.ts [--series 10000] [--runs 5] [--only name]
 *     [--data /tmp/kv.sqlite [--skip-load]]
 *
 * `--data` keeps the store in a file (its time range in `<file>.json`), so a later run with
 * `--skip-load` profiles the queries alone.
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { testService } from "../tests/harness.ts";
import { benchLabelSets } from "../engine/ingest/payloads.ts";
import { POINTS, QUERIES, queryPath, RW_HEADERS, STEP_MS, writeBodies } from "./query_workload.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    series: { type: "string", default: "10000" },
    runs: { type: "string", default: "5" },
    only: { type: "string" },
    data: { type: "string" },
    "skip-load": { type: "boolean", default: false },
  },
});
const SERIES = Number(args.series), RUNS = Number(args.runs);

const opened = performance.now();
const svc = await testService({
  dataPath: args.data,
  env: { PROMENADE_SAMPLE_AGE_MAX: "0", PROMENADE_QUERY_TPS: "100000" },
});
console.log(`opened in ${((performance.now() - opened) / 1000).toFixed(1)} s`);
try {
  let endMs = Math.floor(Date.now() / STEP_MS) * STEP_MS - STEP_MS;
  if (args["skip-load"]) endMs = JSON.parse(await Deno.readTextFile(`${args.data}.json`)).endMs;
  else if (args.data) await Deno.writeTextFile(`${args.data}.json`, JSON.stringify({ endMs }));
  const startMs = endMs - (POINTS - 1) * STEP_MS;
  const began = performance.now();
  const rounds = args["skip-load"] ? [] : writeBodies(benchLabelSets(SERIES), startMs, 5000);
  for (const round of rounds) {
    for (const body of round) {
      const r = await svc.app.request("/api/v1/write", {
        method: "POST",
        headers: RW_HEADERS,
        body: body as Uint8Array<ArrayBuffer>,
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`write: ${r.status} ${text}`);
    }
  }
  console.log(`loaded ${SERIES} series in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  const evalMs = endMs + 7_500;
  let sum = 0, cpuSum = 0;
  for (const [name, expr, kind] of QUERIES) {
    const label = `${kind.padEnd(7)} ${name}`;
    if (args.only && !label.includes(args.only)) continue;
    const path = queryPath(expr, kind, evalMs);
    const runs: number[] = [], cpus: number[] = [];
    for (let r = 0; r <= RUNS; r++) {
      const t0 = performance.now(), c0 = process.cpuUsage();
      const res = await svc.app.request(path, { headers: { "accept-encoding": "gzip, br" } });
      const body = await new Response(
        res.headers.get("content-encoding") === "gzip"
          ? res.body!.pipeThrough(new DecompressionStream("gzip"))
          : res.body,
      ).json();
      const ms = performance.now() - t0;
      if (body.status !== "success" || body.data.result.length === 0) {
        throw new Error(`${path}: ${JSON.stringify(body).slice(0, 300)}`);
      }
      const c = process.cpuUsage(c0);
      if (r > 0) {
        runs.push(ms);
        cpus.push((c.user + c.system) / 1000);
      }
    }
    runs.sort((a, b) => a - b);
    cpus.sort((a, b) => a - b);
    const med = runs[runs.length >> 1], cpu = cpus[cpus.length >> 1];
    sum += med;
    cpuSum += cpu;
    console.log(`${label.padEnd(30)}${med.toFixed(1).padStart(10)} ms, cpu ${cpu.toFixed(1)} ms`);
  }
  console.log(
    `${"sum of medians".padEnd(30)}${sum.toFixed(1).padStart(10)} ms, cpu ${cpuSum.toFixed(1)} ms`,
  );
} finally {
  await svc.close();
}
