/**
 * Where the memory of an active series goes: ingests `--series` series (bench/ingest.ts's label
 * sets, one sample per series per round) in-process through `WorkspaceIngest.prepare()` and
 * `Workspace.append()`, building each round's requests just before sending them (so no payloads
 * stay alive), then reports V8 heap, external and WASM arena bytes per series after a full GC,
 * and with `--snapshot` writes a V8 heap snapshot and prints the biggest (type, name) groups of
 * retained objects in bytes per series.
 *
 *   ./deno run -A --v8-flags=--expose-gc bench/head_heap.ts [--series 100000] [--rounds 6]
 *     [--snapshot] [--top 30]
 */
import { parseArgs } from "node:util";
import v8 from "node:v8";
import { benchLabelSets, benchRequestV1, encodeV1 } from "../engine/ingest/payloads.ts";
import { snappyEncode } from "../engine/ingest/snappy.ts";
import { openPipeline } from "./pipeline.ts";
import { statusKiB } from "./proc.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    series: { type: "string", default: "100000" },
    rounds: { type: "string", default: "6" },
    batch: { type: "string", default: "2000" },
    snapshot: { type: "boolean", default: false },
    top: { type: "string", default: "30" },
  },
});
const SERIES = Number(args.series), ROUNDS = Number(args.rounds), BATCH = Number(args.batch);
const INTERVAL = 15_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

const rssKiB = () => statusKiB("self", "VmRSS");

const dir = await Deno.makeTempDir({ prefix: "promenade_head_heap_" });
const { ws, ingest, headers, close } = await openPipeline(`${dir}/kv.sqlite`);
const t0 = Math.floor(Date.now() / 1000) * 1000 - (ROUNDS - 1) * INTERVAL - 1000;

async function round(r: number): Promise<void> {
  let sets: [string, string][][] | undefined = benchLabelSets(SERIES);
  for (let i = 0; i < SERIES; i += BATCH) {
    const body = snappyEncode(
      encodeV1(benchRequestV1(sets.slice(i, i + BATCH), t0 + r * INTERVAL, r * 1_000_003 + i)),
    );
    const p = ingest.prepare(body, headers);
    if (p.kind !== "write") throw new Error("BUG: deduped");
    await ws.append(p.request);
  }
  sets = undefined;
}

function settle(): Deno.MemoryUsage {
  for (let i = 0; i < 3; i++) gc!();
  return Deno.memoryUsage();
}

const mu0 = settle(), rss0 = rssKiB();
for (let r = 0; r < ROUNDS; r++) await round(r);
await ws.flush();
const mu = settle(), rss = rssKiB();
const per = (a: number, b: number) => ((a - b) / SERIES).toFixed(0);
const arena = ws.head.arena as { linearMemoryBytes?: () => number };
console.log(
  `${SERIES} series, ${ROUNDS} rounds, after full GC: V8 heap used ${
    per(mu.heapUsed, mu0.heapUsed)
  } B/series (heap total ${per(mu.heapTotal, mu0.heapTotal)}), external ${
    per(mu.external, mu0.external)
  } B/series, WASM chunk arena ${
    ((arena.linearMemoryBytes?.() ?? 0) / SERIES).toFixed(0)
  } B/series, RSS ${per(rss * 1024, rss0 * 1024)} B/series`,
);

for (const sp of v8.getHeapSpaceStatistics()) {
  if (sp.physical_space_size < 1 << 20) continue;
  console.log(
    `  ${sp.space_name.padEnd(24)} size ${(sp.space_size / 1048576).toFixed(1)} MiB, used ${
      (sp.space_used_size / 1048576).toFixed(1)
    } MiB, physical ${(sp.physical_space_size / 1048576).toFixed(1)} MiB`,
  );
}

if (args.snapshot) {
  const file = `${dir}/heap.heapsnapshot`;
  v8.writeHeapSnapshot(file);
  // Parse the snapshot without holding its text twice: it is JSON with flat arrays of ints.
  const snap = JSON.parse(await Deno.readTextFile(file)) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const f = snap.snapshot.meta.node_fields;
  const nf = f.length, iType = f.indexOf("type"), iName = f.indexOf("name");
  const iSize = f.indexOf("self_size");
  const types = snap.snapshot.meta.node_types[0];
  const groups = new Map<string, { bytes: number; count: number }>();
  const nodes = snap.nodes;
  for (let i = 0; i < nodes.length; i += nf) {
    const type = types[nodes[i + iType]];
    let name = type === "string" || type === "concatenated string" || type === "sliced string"
      ? "(strings)"
      : snap.strings[nodes[i + iName]];
    if (name.length > 60) name = name.slice(0, 60) + "…";
    const key = `${type} ${name}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { bytes: nodes[i + iSize], count: 1 });
    else {
      g.bytes += nodes[i + iSize];
      g.count++;
    }
  }
  if (Deno.env.get("HEAD_HEAP_STRINGS")) {
    const byPrefix = new Map<string, number>();
    for (let i = 0; i < nodes.length; i += nf) {
      if (types[nodes[i + iType]] !== "string") continue;
      const k = snap.strings[nodes[i + iName]].slice(0, 12).replace(/[0-9]/g, "#");
      byPrefix.set(k, (byPrefix.get(k) ?? 0) + nodes[i + iSize]);
    }
    for (const [k, b] of [...byPrefix].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
      console.log(`  string ${JSON.stringify(k)}: ${(b / SERIES).toFixed(1)} B/series`);
    }
  }
  const top = [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(args.top));
  console.log("self size by (type, name), per series (count per series):");
  for (const [k, g] of top) {
    console.log(
      `  ${(g.bytes / SERIES).toFixed(1).padStart(8)} B  ${
        (g.count / SERIES).toFixed(2).padStart(6)
      }  ${k}`,
    );
  }
}
await close();
await Deno.remove(dir, { recursive: true });
