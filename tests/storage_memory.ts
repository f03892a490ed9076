/**
 * Measures head memory per active series (invariant 3): creates N series (8 labels each, label
 * objects built fresh as ingest would), appends 3 samples to each through a file-backed KV, and
 * prints RSS, V8 heap and WASM arena growth per series.
 *
 * Usage: ./deno run -A --unstable-kv --v8-flags=--expose-gc tests/storage_memory.ts [N]
 */
import { labelsFromRecord } from "../engine/model/labels.ts";
import { Tsdb } from "../engine/storage/mod.ts";
import { WasmChunkArena } from "../engine/storage/chunk_arena.ts";

const N = Number(Deno.args[0] ?? 100_000);
const dir = await Deno.makeTempDir({ prefix: "promenade_mem_" });
const kv = await Deno.openKv(`${dir}/kv.sqlite`);
const db = await Tsdb.open(kv);
const ws = await db.workspace("m");
const gc = (globalThis as { gc?: () => void }).gc;
const labelsOf = (i: number) =>
  labelsFromRecord({
    __name__: `node_metric_${i % 50}`,
    instance: `host-${Math.floor(i / 200)}.example.com:9100`,
    job: "node",
    env: i % 3 === 0 ? "prod" : "staging",
    region: `region-${i % 4}`,
    cpu: String(i % 16),
    mode: ["user", "system", "idle", "iowait"][i % 4],
    id: String(i),
  });
/** RssAnon and RssFile of this process from /proc (Linux), bytes; zeros elsewhere. */
function rssParts(): { anon: number; file: number } {
  try {
    const st = Deno.readTextFileSync("/proc/self/status");
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0) * 1024;
    return { anon: kb("RssAnon"), file: kb("RssFile") + kb("RssShmem") };
  } catch {
    return { anon: 0, file: 0 };
  }
}
gc?.();
const m0 = Deno.memoryUsage();
const r0 = rssParts();
let t = 1_700_000_000_000;
for (let round = 0; round < 3; round++) {
  for (let i = 0; i < N; i += 2000) {
    const series = [];
    for (let j = i; j < Math.min(N, i + 2000); j++) {
      series.push({
        labels: labelsOf(j),
        t: Float64Array.of(t),
        v: Float64Array.of(Math.random() * 100),
        histograms: [],
        exemplars: [],
        createdT: 0,
      });
    }
    await ws.append({ series, metadata: [] });
  }
  t += 15_000;
}
await ws.flush();
gc?.();
const m1 = Deno.memoryUsage();
const r1 = rssParts();
const arena = ws.head.arena as WasmChunkArena;
const per = (x: number) => Math.round(x / N);
console.log(JSON.stringify({
  series: N,
  rssBytesPerSeries: per(m1.rss - m0.rss),
  rssAnonBytesPerSeries: per(r1.anon - r0.anon),
  rssFileBytesPerSeries: per(r1.file - r0.file),
  heapUsedBytesPerSeries: per(m1.heapUsed - m0.heapUsed),
  heapTotalBytesPerSeries: per(m1.heapTotal - m0.heapTotal),
  externalBytesPerSeries: per(m1.external - m0.external),
  arenaInUseBytesPerSeries: per(arena.memoryBytes()),
  arenaLinearMemoryBytesPerSeries: per(arena.linearMemoryBytes()),
}));
await db.close({ checkpoint: false });
kv.close();
await Deno.remove(dir, { recursive: true });
