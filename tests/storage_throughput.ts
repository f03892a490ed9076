/**
 * Sustained append throughput and CPU per sample of the storage engine alone (requests are built
 * before timing): N series with 8 labels, requests of 2000 series × 1 sample, `inflight`
 * concurrent senders, a file-backed KV in a temp dir. CPU is the process's user+system time
 * (all threads, SQLite included) from /proc/self/stat.
 *
 * Usage: ./deno run -A --unstable-kv tests/storage_throughput.ts [inflight=4] [requests=300]
 */
import { Tsdb } from "../engine/storage/mod.ts";
import { appendWorkload } from "../engine/storage/test_util.ts";

const inflight = Number(Deno.args[0] ?? 4);
const total = Number(Deno.args[1] ?? 300);
const N = 20_000, PER_REQUEST = 2000;
const dir = await Deno.makeTempDir({ prefix: "promenade_thr_" });
const kv = await Deno.openKv(`${dir}/kv.sqlite`);
const db = await Tsdb.open(kv);
const ws = await db.workspace("thr");
const nextRequest = appendWorkload(N, PER_REQUEST);
/** User+system CPU of this process, ms (Linux; 0 elsewhere). */
function cpuMs(): number {
  try {
    const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}
for (let i = 0; i < N / PER_REQUEST; i++) await ws.append(nextRequest()); // create the series
const reqs = Array.from({ length: total }, nextRequest);
const wal0 = ws.log.walBytes;
const c0 = cpuMs(), w0 = performance.now();
let n = 0;
async function sender(): Promise<void> {
  while (n < total) await ws.append(reqs[n++]);
}
await Promise.all(Array.from({ length: inflight }, sender));
const wallMs = performance.now() - w0, cpu = cpuMs() - c0;
const samples = total * PER_REQUEST;
console.log(JSON.stringify({
  inflight,
  samples,
  samplesPerSecond: Math.round(samples / wallMs * 1000),
  cpuMicrosPerSample: +(cpu * 1000 / samples).toFixed(2),
  walBytesPerSample: +((ws.log.walBytes - wal0) / samples).toFixed(1),
}));
await db.close({ checkpoint: false });
kv.close();
await Deno.remove(dir, { recursive: true });
