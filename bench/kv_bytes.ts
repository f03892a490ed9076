/**
 * Where a stopped server's KV bytes are: every key under `["w", ws, "tsdb"]` by kind (WAL,
 * checkpoint, series records, chunks, cold index, ...), with key and value bytes, and the samples
 * held by float chunks, giving the steady-state storage cost "bytes per stored sample" (chunk key
 * + value bytes / samples in chunks; docs/performance.md). Also prints the SQLite file size.
 * Run it after the server stopped (one process per KV file):
 *
 *   ./deno run -A bench/kv_bytes.ts --kv /tmp/bench/kv.sqlite [--workspace default]
 */
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { kv: { type: "string" }, workspace: { type: "string", default: "default" } },
});
if (!args.kv) throw new Error("--kv <sqlite file> is required");

/** Bytes of a key in Deno KV's tuple encoding (type byte + payload + terminator for bytes/strings). */
function keyBytes(key: Deno.KvKey): number {
  let n = 0;
  for (const p of key) {
    if (typeof p === "string") n += 2 + new TextEncoder().encode(p).length;
    else if (typeof p === "number") n += 9;
    else if (typeof p === "bigint") n += 10;
    else if (typeof p === "boolean") n += 1;
    else n += 2 + (p as Uint8Array).length;
  }
  return n;
}

function valueBytes(v: unknown): number {
  if (v instanceof Uint8Array) return v.length;
  return new TextEncoder().encode(JSON.stringify(v)).length; // approximation for V8-serialised values
}

const kv = await Deno.openKv(args.kv);
const rows = new Map<string, { n: number; key: number; value: number }>();
let chunkSamples = 0, xorChunks = 0, xorBytes = 0;
for await (const e of kv.list({ prefix: ["w", args.workspace, "tsdb"] })) {
  const kind = String(e.key[3]);
  const r = rows.get(kind) ?? { n: 0, key: 0, value: 0 };
  r.n++;
  r.key += keyBytes(e.key);
  r.value += valueBytes(e.value);
  rows.set(kind, r);
  if (kind === "c" && (e.key[7] === 0 || e.key[7] === 1) && e.value instanceof Uint8Array) {
    // Prometheus XOR chunk: big-endian u16 sample count first.
    chunkSamples += (e.value[0] << 8) | e.value[1];
    xorChunks++;
    xorBytes += e.value.length;
  }
}
kv.close();
const file = (p: string) => {
  try {
    return Deno.statSync(p).size;
  } catch {
    return 0;
  }
};
let total = 0;
console.log("kind        keys        key B       value B");
for (const [kind, r] of [...rows].sort()) {
  total += r.key + r.value;
  console.log(
    `${kind.padEnd(8)} ${String(r.n).padStart(8)} ${String(r.key).padStart(12)} ${
      String(r.value).padStart(13)
    }`,
  );
}
const c = rows.get("c");
console.log(`live TSDB key+value bytes: ${total}`);
console.log(
  `SQLite file ${file(args.kv)} B (+ ${file(`${args.kv}-wal`)} B -wal)`,
);
if (c && chunkSamples > 0) {
  console.log(
    `float chunks: ${xorChunks} holding ${chunkSamples} samples (${
      (chunkSamples / xorChunks).toFixed(1)
    } per chunk): ${(xorBytes / chunkSamples).toFixed(3)} value B/sample, ${
      ((c.key + c.value) / chunkSamples).toFixed(3)
    } key+value B/sample (all chunk kinds)`,
  );
}
