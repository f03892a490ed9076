/**
 * Where a query's time goes: runs the query set of bench/query.ts on the engine directly (no
 * HTTP, no JSON) against a store written by `bench/query_inproc.ts --data FILE`, and prints per
 * query the median total, the median time spent in `Querier.select`, the median process CPU
 * time (user + system) and the fastest total (the last two are less sensitive than the median
 * wall time to other processes on a shared machine), and their sums.
 *
 *   ./deno run -A bench/query_inproc.ts --data /tmp/q.sqlite --runs 1 --only "instant rate"
 *   ./deno run -A bench/query_phases.ts --data /tmp/q.sqlite [--runs 6] [--only "range topk"]
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { testService } from "../tests/harness.ts";
import { Engine } from "../engine/promql/mod.ts";
import type { Querier } from "../engine/storage/querier.ts";
import { QUERIES } from "./query_workload.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string", default: "/tmp/q.sqlite" },
    runs: { type: "string", default: "6" },
    only: { type: "string" },
  },
});
const svc = await testService({
  dataPath: args.data,
  env: { PROMENADE_SAMPLE_AGE_MAX: "0" },
});
try {
  const endMs = JSON.parse(await Deno.readTextFile(`${args.data}.json`)).endMs;
  const evalMs = endMs + 7_500;
  const ws = await svc.service.data.storage("default");
  const engine = new Engine();
  const median = (x: number[]) => x.sort((a, b) => a - b)[x.length >> 1];
  const sums = [0, 0, 0, 0];
  for (const [name, expr, kind] of QUERIES) {
    const label = `${kind.padEnd(7)} ${name}`;
    if (args.only && !label.includes(args.only)) continue;
    const sel: number[] = [], tot: number[] = [], cpu: number[] = [];
    for (let r = 0; r <= Number(args.runs); r++) {
      const base = ws.querier();
      let selMs = 0;
      const q: Querier = {
        select: async (m, h) => {
          const t0 = performance.now();
          const x = await base.select(m, h);
          selMs += performance.now() - t0;
          return x;
        },
        labelNames: (m, h) => base.labelNames(m, h),
        labelValues: (n, m, h) => base.labelValues(n, m, h),
      };
      const t0 = performance.now(), c0 = process.cpuUsage();
      if (kind === "instant") await engine.instantQuery(q, expr, evalMs, { countSamples: false });
      else {
        await engine.rangeQuery(q, expr, evalMs - 3600_000, evalMs, 60_000, {
          countSamples: false,
        });
      }
      if (r > 0) { // the first run warms up
        sel.push(selMs);
        tot.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      }
    }
    const row = [median(tot), median(sel), median(cpu), Math.min(...tot)];
    row.forEach((x, i) => sums[i] += x);
    console.log(
      `${label.padEnd(30)} total ${row[0].toFixed(1).padStart(7)} ms, select ${
        row[1].toFixed(1).padStart(7)
      } ms, cpu ${row[2].toFixed(1).padStart(7)} ms, min ${row[3].toFixed(1).padStart(7)} ms`,
    );
  }
  console.log(
    `${"sum".padEnd(30)} total ${sums[0].toFixed(1).padStart(7)} ms, select ${
      sums[1].toFixed(1).padStart(7)
    } ms, cpu ${sums[2].toFixed(1).padStart(7)} ms, min ${sums[3].toFixed(1).padStart(7)} ms`,
  );
} finally {
  await svc.close();
}
