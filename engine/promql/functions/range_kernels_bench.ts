/**
 * Range kernels alone (no engine): one call per series over a 1h range query with 1m steps.
 * `./deno bench -A engine/promql/functions/range_kernels_bench.ts`. The TS numbers are the
 * baseline for the WASM port.
 */
import { RANGE_KERNELS, type RangeWindows } from "./range_kernels.ts";

const SERIES = 10_000;
const SCRAPE_MS = 15_000;
const HOUR_MS = 3_600_000;
const n = HOUR_MS / SCRAPE_MS + 1;
const t = new Float64Array(n);
const series: Float64Array[] = [];
for (let i = 0; i < n; i++) t[i] = i * SCRAPE_MS;
for (let s = 0; s < SERIES; s++) {
  const v = new Float64Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) v[i] = x += (s % 7) + 1 + (i % 13 === 0 ? 0.5 : 0);
  series.push(v);
}
const w: RangeWindows = { firstT: 0, stepMs: 60_000, steps: 61, rangeMs: 300_000 };
const out = new Float64Array(w.steps);
const present = new Uint8Array(w.steps);

function bench(name: string, params: number[] = []) {
  const kernel = RANGE_KERNELS[name];
  return () => {
    for (const v of series) kernel(t, v, w, params, out, present);
  };
}

Deno.bench({
  name: "rate, 10k series x 241 samples, 61 steps",
  group: "kernels",
  baseline: true,
  fn: bench("rate"),
});
Deno.bench({ name: "sum_over_time, same grid", group: "kernels", fn: bench("sum_over_time") });
Deno.bench({ name: "avg_over_time, same grid", group: "kernels", fn: bench("avg_over_time") });
Deno.bench({
  name: "quantile_over_time(0.9), same grid",
  group: "kernels",
  fn: bench("quantile_over_time", [0.9]),
});
Deno.bench({ name: "deriv, same grid", group: "kernels", fn: bench("deriv") });
