/**
 * Read throughput of the KV Querier on a file-backed KV: 500 series × 1440 samples (12 h at
 * 30 s, so 6 partitions, mostly closed chunks in KV). Run: ./deno bench -A engine/storage/select_bench.ts
 */
import { labelsFromRecord } from "../model/labels.ts";
import { Matcher } from "../model/matcher.ts";
import type { WriteRequest } from "../model/write.ts";
import { Tsdb } from "./tsdb.ts";

const SERIES = 500, SAMPLES = 1440, STEP = 30_000;
const T0 = 1_700_000_000_000;
const dir = await Deno.makeTempDir({ prefix: "promenade_bench_" });
const kv = await Deno.openKv(`${dir}/kv.sqlite`);
const db = await Tsdb.open(kv);
const ws = await db.workspace("bench");
const labels = Array.from({ length: SERIES }, (_, i) =>
  labelsFromRecord({
    __name__: "http_requests_total",
    instance: `host-${i}:9100`,
    job: i % 2 ? "api" : "web",
  }));
for (let k = 0; k < SAMPLES; k += 60) {
  const req: WriteRequest = { series: [], metadata: [] };
  for (let i = 0; i < SERIES; i++) {
    const t = new Float64Array(60), v = new Float64Array(60);
    for (let j = 0; j < 60; j++) {
      t[j] = T0 + (k + j) * STEP;
      v[j] = (k + j) * 10 + i;
    }
    req.series.push({ labels: labels[i], t, v, histograms: [], exemplars: [], createdT: 0 });
  }
  await ws.append(req);
}
await ws.flush();
const all = [new Matcher("=", "__name__", "http_requests_total")];
const one = [new Matcher("=", "instance", "host-7:9100")];
const range = { minT: T0, maxT: T0 + SAMPLES * STEP };

Deno.bench({
  name: "select 500 series x 1440 samples (720k samples)",
  group: "select",
  baseline: true,
  async fn() {
    const r = await ws.querier().select(all, range);
    if (r.length !== SERIES) throw new Error("BUG: wrong series count");
  },
});

Deno.bench({
  name: "select 1 series x 1440 samples",
  group: "select",
  async fn() {
    const r = await ws.querier().select(one, range);
    if (r[0].t.length !== SAMPLES) throw new Error("BUG: wrong sample count");
  },
});

Deno.bench({
  name: "select 250 series (job=api), last 1 h",
  group: "select",
  async fn() {
    await ws.querier().select([new Matcher("=", "job", "api")], {
      minT: range.maxT - 3600_000,
      maxT: range.maxT,
    });
  },
});

globalThis.addEventListener("unload", () => {
  kv.close();
  Deno.removeSync(dir, { recursive: true });
});
