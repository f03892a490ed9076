/**
 * Range functions through the Engine with the WASM kernels (the default) and with the TypeScript
 * kernels: 10k series x 1 h of 15 s samples in MemoryStorage, range queries over that hour with a
 * 1 m step. The kernels alone: wasm/range_kernels_bench.ts.
 * Run: ./deno bench -A engine/promql/range_backend_bench.ts
 */
import { labelsFromRecord } from "../model/mod.ts";
import { MemoryStorage } from "../storage/memory.ts";
import { Engine } from "./mod.ts";
import { type RangeKernelBackend, setRangeKernelBackend } from "./range_backend.ts";

const SERIES = 10_000;
const SCRAPE_MS = 15_000;
const HOUR_MS = 3_600_000;
const storage = new MemoryStorage();
for (let s = 0; s < SERIES; s++) {
  const l = labelsFromRecord({ __name__: "req_total", i: String(s) });
  let x = 0;
  for (let t = 0; t <= HOUR_MS; t += SCRAPE_MS) {
    storage.add(l, t, x += (s % 7) + 1 + (t % 195_000 === 0 ? 0.5 : 0));
  }
}
const engine = new Engine();

for (const q of ["rate(req_total[5m])", "avg_over_time(req_total[5m])"]) {
  for (const backend of ["ts", "wasm"] as RangeKernelBackend[]) {
    Deno.bench({
      name: `${backend} ${q}, 10k series x 1h, 61 steps`,
      group: q,
      baseline: backend === "ts",
      fn: async () => {
        const prev = setRangeKernelBackend(backend);
        try {
          await engine.rangeQuery(storage, q, 0, HOUR_MS, 60_000);
        } finally {
          setRangeKernelBackend(prev);
        }
      },
    });
  }
}
