/**
 * Where a stopped server's KV bytes are: every key under `["w", ws, "tsdb"]` by kind (WAL,
 * checkpoint, series records, chunks, cold index, ...), with key and value bytes, the samples
 * held by float chunks, and the SQLite file's pages, giving the steady-state storage cost
 * "bytes per stored sample" both ways (bench/kv_stats.ts; docs/performance.md). Run it after the
 * server stopped (one process per KV file); `--samples` is the number of samples stored (default:
 * the samples in chunks):
 *
 *   ./deno run -A bench/kv_bytes.ts --kv /tmp/bench/kv.sqlite [--workspace default] [--samples N]
 */
import { parseArgs } from "node:util";
import { formatKvStats, kvStats } from "./kv_stats.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    kv: { type: "string" },
    workspace: { type: "string", default: "default" },
    samples: { type: "string" },
  },
});
if (!args.kv) throw new Error("--kv <sqlite file> is required");
const s = await kvStats(args.kv, args.workspace!);
for (const line of formatKvStats(s, args.samples ? Number(args.samples) : s.floatSamples)) {
  console.log(line);
}
