/**
 * WASM range kernels against the TypeScript kernels they port (engine/promql/functions/, the
 * oracle), on the grid of the engine's range_kernels_bench.ts: 10k series x 241 samples (15 s
 * scrape, 1 h), 61 steps of 1 m, 5 m range; one call per series.
 * Run: ./deno bench -A wasm/range_kernels_bench.ts
 */
import { type KernelWindows, WASM_RANGE_KERNELS } from "./mod.ts";
import { RANGE_KERNELS } from "../engine/promql/functions/range_kernels.ts";

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
const w: KernelWindows = { firstT: 0, stepMs: 60_000, steps: 61, rangeMs: 300_000 };
const out = new Float64Array(w.steps);
const present = new Uint8Array(w.steps);

// Warm-up as in a server that has evaluated every range function: the TS kernels share one
// window walk whose per-step callback then sees every kernel (a polymorphic call site), which a
// bench of one kernel alone would not show. Both backends run the same warm-up.
const WARM_PARAMS: Record<string, number[]> = {
  quantile_over_time: [0.9],
  predict_linear: [600],
  double_exponential_smoothing: [0.5, 0.5],
};
for (const kernels of [RANGE_KERNELS, WASM_RANGE_KERNELS]) {
  for (const [name, k] of Object.entries(kernels)) {
    for (const mode of ["default", "anchored", "smoothed"] as const) {
      for (let s = 0; s < 100; s++) {
        k(t, series[s], { ...w, mode }, WARM_PARAMS[name] ?? [], out, present);
      }
    }
  }
}

const CASES: [string, number[]][] = [
  ["rate", []],
  ["avg_over_time", []],
  ["sum_over_time", []],
  ["quantile_over_time", [0.9]],
  ["deriv", []],
];
for (const [name, params] of CASES) {
  Deno.bench({
    name: `TS ${name}`,
    group: name,
    baseline: true,
    fn: () => {
      for (const v of series) RANGE_KERNELS[name](t, v, w, params, out, present);
    },
  });
  Deno.bench({
    name: `WASM ${name}`,
    group: name,
    fn: () => {
      for (const v of series) WASM_RANGE_KERNELS[name](t, v, w, params, out, present);
    },
  });
}
