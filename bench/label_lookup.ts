/**
 * The label lookup on the ingest hot path at scale: decodes 100k series (bench/ingest.ts's label
 * sets, 2000 per request) once to fill the label cache, then decodes them again `--reps` times
 * and prints the median and minimum decode time per series (all hits: hash, compare and probe of
 * the raw label bytes, plus parsing the samples). At 100k series the cache's tables and key
 * bytes do not fit in the CPU caches, which a small working set would hide.
 *
 *   ./deno run -A bench/label_lookup.ts [--series 100000] [--reps 7]
 */
import { parseArgs } from "node:util";
import { benchLabelSets, benchRequestV1, encodeV1 } from "../engine/ingest/payloads.ts";
import { LabelCache, RemoteWriteDecoder } from "../engine/ingest/mod.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    series: { type: "string", default: "100000" },
    reps: { type: "string", default: "7" },
  },
});
const SERIES = Number(args.series), REPS = Number(args.reps);
const sets = benchLabelSets(SERIES);
const bodies: Uint8Array[] = [];
for (let i = 0; i < SERIES; i += 2000) {
  bodies.push(encodeV1(benchRequestV1(sets.slice(i, i + 2000), 1_700_000_000_000, i)));
}
const d = new RemoteWriteDecoder(new LabelCache());
for (const b of bodies) d.decodeV1(b);
const times: number[] = [];
for (let r = 0; r < REPS; r++) {
  const t0 = performance.now();
  for (const b of bodies) d.decodeV1(b);
  times.push((performance.now() - t0) * 1000 / SERIES);
}
times.sort((a, b) => a - b);
console.log(
  `decodeV1 with a warm label cache, ${SERIES} series: median ${
    times[REPS >> 1].toFixed(3)
  } us/series, min ${times[0].toFixed(3)} us/series`,
);
