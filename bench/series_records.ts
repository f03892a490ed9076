/**
 * CPU of writing 100k series records to Deno KV, one key per series (the first layout) or packed
 * into series blocks (engine/storage/series_blocks.ts), into a store that already holds 25 MB of
 * WAL-like 64 KiB values whose keys sort after the records (as a first checkpoint meets them).
 * Prints the CPU seconds of this process's threads (those above 10 ms): `deno` (the JS main
 * thread, and a runtime thread of the same name) and Deno KV's SQLite writer `sw-0`, where one
 * small row per series costs B-tree page splits and page fetches.
 *
 *   ./deno run -A --unstable-kv bench/series_records.ts [--layout blocks|keys] [--series 100000]
 *     [--path /tmp/series_records.sqlite]
 */
import { parseArgs } from "node:util";
import { labelsFromRecord } from "../engine/model/labels.ts";
import type { Labels } from "../engine/model/labels.ts";
import { ByteWriter } from "../engine/storage/byte_buffer.ts";
import { seriesKey } from "../engine/storage/keys.ts";
import { writeSeriesRecords } from "../engine/storage/series_blocks.ts";
import { encodeLabels } from "../engine/storage/wal.ts";
import { cpuSeconds } from "./proc.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    layout: { type: "string", default: "blocks" },
    series: { type: "string", default: "100000" },
    path: { type: "string", default: "/tmp/series_records.sqlite" },
  },
});
const n = Number(args.series);
for (const sfx of ["", "-wal", "-shm"]) await Deno.remove(args.path + sfx).catch(() => {});
const kv = await Deno.openKv(args.path);
const big = new Uint8Array(65536);
for (let i = 0; i < big.length; i++) big[i] = (i * 7919 + (i >> 8)) & 255;
for (let seq = 1; seq <= 400; seq++) {
  assertOk(await kv.atomic().set(["w", "b", "tsdb", "wal", seq, 0], big).commit());
}
// ~230 B of labels per series, like bench/ingest.ts's node_exporter-like series.
const sids: number[] = [], labels: Labels[] = [];
for (let i = 1; i <= n; i++) {
  sids.push(i);
  labels.push(labelsFromRecord({
    __name__: `node_metric_family_${i % 50}_seconds_total`,
    instance: `host-${Math.floor(i / 200)}.region-${i % 4}.example.com:9100`,
    job: "node_exporter",
    env: i % 3 === 0 ? "production" : "staging",
    cpu: String(i % 16),
    mode: ["user", "system", "idle", "iowait"][i % 4],
    team: `team-${i % 7}`,
    series: String(i),
  }));
}
function assertOk(r: Deno.KvCommitResult | Deno.KvCommitError): void {
  if (!r.ok) throw new Error("BUG: commit failed");
}
const threads = () => {
  const m = new Map<string, number>();
  for (const e of Deno.readDirSync("/proc/self/task")) {
    const comm = Deno.readTextFileSync(`/proc/self/task/${e.name}/comm`).trim();
    m.set(`${comm}/${e.name}`, cpuSeconds(`self/task/${e.name}`));
  }
  return m;
};
const t0 = threads(), w0 = performance.now();
if (args.layout === "keys") {
  const w = new ByteWriter(1 << 16);
  for (let i = 0; i < n; i += 500) {
    const op = kv.atomic();
    w.reset();
    const at: number[] = [];
    for (let j = i; j < Math.min(n, i + 500); j++) {
      at.push(w.length);
      encodeLabels(labels[j], w);
    }
    at.push(w.length);
    const buf = w.view();
    for (let j = i; j < Math.min(n, i + 500); j++) {
      op.set(seriesKey("b", sids[j]), buf.subarray(at[j - i], at[j - i + 1]));
    }
    assertOk(await op.commit());
  }
} else {
  const blocks = await writeSeriesRecords(
    {
      kv,
      id: "b",
      fencedAtomic: () => kv.atomic(),
      commitFenced: async (op) => assertOk(await op.commit()),
    },
    sids,
    labels,
  );
  console.log(`${blocks} blocks`);
}
const wall = performance.now() - w0, t1 = threads();
const parts: string[] = [];
let total = 0;
for (const [k, c] of t1) {
  const d = c - (t0.get(k) ?? 0);
  total += d;
  if (d >= 0.01) parts.push(`${k.split("/")[0]}=${d.toFixed(2)}`);
}
console.log(
  `layout=${args.layout} series=${n}: wall ${(wall / 1000).toFixed(2)} s, CPU ${
    total.toFixed(2)
  } s (threads: ${parts.join(" ")})`,
);
kv.close();
for (const sfx of ["", "-wal", "-shm"]) await Deno.remove(args.path + sfx).catch(() => {});
