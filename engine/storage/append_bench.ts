/**
 * Append throughput into a file-backed KV (temp file): remote-write-like requests of 2000 series
 * × 1 sample (8 labels each) over a pool of 20k series, sequential and 4 in flight (group
 * commit). Building the requests is outside the timed part (ingest's cost, not storage's).
 * Run: ./deno bench -A engine/storage/append_bench.ts
 */
import { Tsdb } from "./tsdb.ts";
import { appendWorkload } from "./test_util.ts";

const SERIES = 20_000;
const PER_REQUEST = 2000;
const dir = await Deno.makeTempDir({ prefix: "promenade_bench_" });
const kv = await Deno.openKv(`${dir}/kv.sqlite`);
const db = await Tsdb.open(kv);
const ws = await db.workspace("bench");

const nextRequest = appendWorkload(SERIES, PER_REQUEST);

// Create every series once so the benchmark measures steady-state appends.
for (let i = 0; i < SERIES / PER_REQUEST; i++) await ws.append(nextRequest());

Deno.bench({
  name: "append 2000 samples (2000 series x 1), one request at a time",
  group: "append",
  baseline: true,
  async fn(b) {
    const r = nextRequest();
    b.start();
    await ws.append(r);
    b.end();
  },
});

Deno.bench({
  name: "append 4 x 2000 samples, 4 requests in flight (group commit)",
  group: "append",
  async fn(b) {
    const rs = [nextRequest(), nextRequest(), nextRequest(), nextRequest()];
    b.start();
    await Promise.all(rs.map((r) => ws.append(r)));
    b.end();
  },
});

Deno.bench({
  name: "append 16 x 2000 samples, 16 requests in flight (group commit)",
  group: "append",
  async fn(b) {
    const rs = Array.from({ length: 16 }, nextRequest);
    b.start();
    await Promise.all(rs.map((r) => ws.append(r)));
    b.end();
  },
});

globalThis.addEventListener("unload", () => {
  kv.close();
  Deno.removeSync(dir, { recursive: true });
});
