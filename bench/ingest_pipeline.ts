/**
 * In-process write-path benchmark: the same payloads as bench/ingest.ts (100k series by default,
 * one sample per series per round, 2000 samples per request), pushed through
 * `WorkspaceIngest.prepare()` (snappy, decode, validate, rate limit) and `Workspace.append()`
 * (stage, WAL commit to a file-backed Deno KV, head/WASM chunks) with `--inflight` requests in
 * flight, without HTTP and without a client competing for the CPU. Prints per-phase process CPU
 * time per sample (from /proc/self/stat, all threads: KV's SQLite thread included) and the
 * share spent synchronously in prepare(), plus RSS and KV bytes per sample at the end.
 *
 *   ./deno run -A bench/ingest_pipeline.ts [--series 100000] [--rounds 11] [--batch 2000]
 *     [--inflight 4] [--kv /tmp/pipeline.kv] [--pause-ms 0] [--checkpoint-first]
 *     [--prepare-only [--repeat 5]] [--storage-only]
 *
 * `--pause-ms` sleeps between round 1 and the steady-state rounds, so that a `--cpu-prof` profile
 * shows where the steady state starts (the longest idle run after round 1).
 * `--prepare-only` runs only `prepare()` (snappy, decode, validation) for the steady-state rounds,
 * `--repeat` times over, without storing: the decode path's CPU alone. The main thread's CPU
 * (`/proc/self/task/<pid>/stat`) is printed beside the process's in both modes.
 * `--storage-only` decodes every round's requests before the timed phases, which then run only
 * `Workspace.append()`: the storage side's main-thread CPU without the decoder's.
 */
import { parseArgs } from "node:util";
import { benchLabelSets, benchRequestV1, encodeV1 } from "../engine/ingest/payloads.ts";
import { snappyEncode } from "../engine/ingest/snappy.ts";
import { openPipeline } from "./pipeline.ts";
import { cpuSeconds, statusKiB } from "./proc.ts";
import type { WriteRequest } from "../engine/model/write.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    series: { type: "string", default: "100000" },
    rounds: { type: "string", default: "11" },
    batch: { type: "string", default: "2000" },
    inflight: { type: "string", default: "4" },
    kv: { type: "string" },
    "pause-ms": { type: "string", default: "0" },
    "prepare-only": { type: "boolean", default: false },
    /** Checkpoint after round 1 (its cost is round 1's), so the steady state never includes it. */
    "checkpoint-first": { type: "boolean", default: false },
    repeat: { type: "string", default: "5" },
    "storage-only": { type: "boolean", default: false },
  },
});
const SERIES = Number(args.series), ROUNDS = Number(args.rounds), BATCH = Number(args.batch);
const INFLIGHT = Number(args.inflight);
const INTERVAL = 15_000;

const sets = benchLabelSets(SERIES);
const t0 = Math.floor(Date.now() / 1000) * 1000 - (ROUNDS - 1) * INTERVAL - 1000;
const rounds: Uint8Array[][] = [];
for (let r = 0; r < ROUNDS; r++) {
  const reqs: Uint8Array[] = [];
  for (let i = 0; i < SERIES; i += BATCH) {
    const chunk = sets.slice(i, i + BATCH);
    reqs.push(snappyEncode(encodeV1(benchRequestV1(chunk, t0 + r * INTERVAL, r * 1_000_003 + i))));
  }
  rounds.push(reqs);
}

const mainThreadCpuSeconds = () => cpuSeconds(`self/task/${Deno.pid}`);
const rssKiB = () => statusKiB("self", "VmRSS");

const dir = args.kv ?? await Deno.makeTempDir({ prefix: "promenade_pipeline_" });
const path = args.kv ?? `${dir}/kv.sqlite`;
const { ws, ingest, headers, close } = await openPipeline(path);

/** With --storage-only: the decoded requests of every body, made before the timed phases. */
const decoded = new Map<Uint8Array, WriteRequest>();

async function phase(name: string, bodies: Uint8Array[]): Promise<void> {
  let next = 0, prepareMs = 0;
  const cpu0 = cpuSeconds(), main0 = mainThreadCpuSeconds(), w0 = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const ready = decoded.get(body);
      if (ready !== undefined) {
        await ws.append(ready);
        continue;
      }
      const p0 = performance.now();
      const p = ingest.prepare(body, headers);
      prepareMs += performance.now() - p0;
      if (p.kind !== "write") throw new Error("BUG: deduped");
      await ws.append(p.request);
    }
  };
  await Promise.all(Array.from({ length: INFLIGHT }, worker));
  const wall = (performance.now() - w0) / 1000, cpu = cpuSeconds() - cpu0;
  const main = mainThreadCpuSeconds() - main0;
  const n = bodies.length * BATCH;
  console.log(
    `${name}: ${n} samples in ${wall.toFixed(2)} s = ${
      Math.round(n / wall).toLocaleString("en-US")
    } samples/s; CPU ${(cpu * 1e6 / n).toFixed(3)} us/sample, main thread ${
      (main * 1e6 / n).toFixed(3)
    } (prepare ${(prepareMs * 1e3 / n).toFixed(2)} us wall)`,
  );
}

if (args["prepare-only"]) {
  // Round 1 fills the label cache; then only the decode path runs, nothing is stored.
  for (const body of rounds[0]) ingest.prepare(body, headers);
  if (Number(args["pause-ms"]) > 0) {
    await new Promise((r) => setTimeout(r, Number(args["pause-ms"])));
  }
  const steady = rounds.slice(1).flat();
  for (let rep = 0; rep < Number(args.repeat); rep++) {
    const cpu0 = cpuSeconds(), main0 = mainThreadCpuSeconds(), w0 = performance.now();
    for (const body of steady) ingest.prepare(body, headers);
    const n = steady.length * BATCH;
    console.log(
      `prepare only, rounds 2-${ROUNDS}: ${
        ((performance.now() - w0) * 1e3 / n).toFixed(3)
      } us/sample wall, main thread CPU ${
        ((mainThreadCpuSeconds() - main0) * 1e6 / n).toFixed(3)
      }, process CPU ${((cpuSeconds() - cpu0) * 1e6 / n).toFixed(3)}`,
    );
  }
  await close();
  if (!args.kv) await Deno.remove(dir, { recursive: true });
  Deno.exit(0);
}

if (args["storage-only"]) {
  for (const body of rounds.flat()) {
    const p = ingest.prepare(body, headers);
    if (p.kind !== "write") throw new Error("BUG: deduped");
    decoded.set(body, p.request);
  }
}
const rss0 = rssKiB();
const mu0 = Deno.memoryUsage();
await phase("round 1 (new series)", rounds[0]);
if (args["checkpoint-first"]) await ws.checkpoint();
if (Number(args["pause-ms"]) > 0) {
  await new Promise((r) => setTimeout(r, Number(args["pause-ms"])));
}
await phase(`rounds 2-${ROUNDS} (existing series)`, rounds.slice(1).flat());
await ws.flush();
console.log(
  `RSS ${(rssKiB() / 1024).toFixed(0)} MiB (${(rss0 / 1024).toFixed(0)} MiB before rounds): ${
    ((rssKiB() - rss0) * 1024 / SERIES).toFixed(0)
  } B growth per series`,
);
const mu = Deno.memoryUsage();
const arena = ws.head.arena as { linearMemoryBytes?: () => number };
const perSeries = (a: number, b: number) => `${((a - b) / SERIES).toFixed(0)} B/series`;
console.log(
  `growth: V8 heap used ${perSeries(mu.heapUsed, mu0.heapUsed)} (heap total ${
    perSeries(mu.heapTotal, mu0.heapTotal)
  }), external ${perSeries(mu.external, mu0.external)}; WASM chunk arena ${
    ((arena.linearMemoryBytes?.() ?? 0) / SERIES).toFixed(0)
  } B/series`,
);
await close();
if (!args.kv) await Deno.remove(dir, { recursive: true });
