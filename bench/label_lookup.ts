/**
 * The label lookup on the ingest hot path at scale: decodes 100k series (bench/ingest.ts's label
 * sets, 2000 per request) once to fill the label cache, then decodes them again `--reps` times
 * and prints the median and minimum decode time per series (all hits: the raw label bytes found
 * and compared, plus parsing the samples). At 100k series the cache's tables and key bytes do not
 * fit in the CPU caches, which a small working set would hide.
 *
 * `--path region` (the default) is the server's path: the WASM region index. `--path table` is the
 * label cache's own raw table (used without the index). `--order shuffled` sends the series of
 * each rep in a new random order (three orders, cycled), which defeats the region index's
 * insertion-order guess: its batched lookup then does the work. `--walk js` decodes with the
 * general JS walk instead of the WASM one (region path only).
 *
 *   ./deno run -A bench/label_lookup.ts [--series 100000] [--reps 7] [--path region|table]
 *     [--order sequential|shuffled] [--walk wasm|js]
 */
import { parseArgs } from "node:util";
import { benchLabelSets, benchRequestV1, encodeV1, rng } from "../engine/ingest/payloads.ts";
import { LabelCache, RemoteWriteDecoder } from "../engine/ingest/mod.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    series: { type: "string", default: "100000" },
    reps: { type: "string", default: "7" },
    path: { type: "string", default: "region" },
    order: { type: "string", default: "sequential" },
    walk: { type: "string", default: "wasm" },
  },
});
const SERIES = Number(args.series), REPS = Number(args.reps);
if (args.path !== "region" && args.path !== "table") throw new Error("--path: region or table");
if (args.order !== "sequential" && args.order !== "shuffled") {
  throw new Error("--order: sequential or shuffled");
}
const sets = benchLabelSets(SERIES);

/** The series as requests of 2000, in the order `perm`. */
function bodiesOf(perm: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < SERIES; i += 2000) {
    const part = perm.slice(i, i + 2000).map((j) => sets[j]);
    out.push(encodeV1(benchRequestV1(part, 1_700_000_000_000, i)));
  }
  return out;
}

const identity = Array.from({ length: SERIES }, (_, i) => i);
const orders: Uint8Array[][] = [bodiesOf(identity)];
if (args.order === "shuffled") {
  const rand = rng(7);
  for (let o = 0; o < 3; o++) {
    const perm = identity.slice();
    for (let i = perm.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    orders.push(bodiesOf(perm));
  }
}
if (args.walk !== "wasm" && args.walk !== "js") throw new Error("--walk: wasm or js");
const d = new RemoteWriteDecoder(new LabelCache(), {
  regionIndex: args.path === "region",
  wasmWalk: args.walk === "wasm",
});
for (const b of orders[0]) d.decodeV1(b);
const times: number[] = [];
for (let r = 0; r < REPS; r++) {
  const bodies = orders.length === 1 ? orders[0] : orders[1 + r % (orders.length - 1)];
  const t0 = performance.now();
  for (const b of bodies) d.decodeV1(b);
  times.push((performance.now() - t0) * 1000 / SERIES);
}
const misses = d.cache.misses;
times.sort((a, b) => a - b);
console.log(
  `decodeV1 (${args.path}, ${args.walk} walk, ${args.order}) with a warm label cache, ${SERIES} series: median ${
    times[REPS >> 1].toFixed(3)
  } us/series, min ${times[0].toFixed(3)} us/series (${misses} label sets built)`,
);
