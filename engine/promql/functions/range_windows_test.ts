import { assert } from "../../../tests/assert.ts";
import { RANGE_KERNELS, type RangeWindows } from "./range_kernels.ts";
import { rng } from "../../../tests/rng.ts";

/** Brute force: the samples of each step's window, found by filtering, fed one window at a time. */
function perStep(
  name: string,
  t: Float64Array,
  v: Float64Array,
  w: RangeWindows,
  params: number[],
): (number | undefined)[] {
  const res: (number | undefined)[] = [];
  for (let k = 0; k < w.steps; k++) {
    const end = w.firstT + k * w.stepMs;
    const idx = [...t.keys()].filter((i) => t[i] > end - w.rangeMs && t[i] <= end);
    const one: RangeWindows = { firstT: end, stepMs: 0, steps: 1, rangeMs: w.rangeMs };
    const out = new Float64Array(1), present = new Uint8Array(1);
    RANGE_KERNELS[name](
      Float64Array.from(idx.map((i) => t[i])),
      Float64Array.from(idx.map((i) => v[i])),
      one,
      params,
      out,
      present,
    );
    res.push(present[0] ? out[0] : undefined);
  }
  return res;
}

const NAMES: [string, number[]][] = [
  ["rate", []],
  ["increase", []],
  ["delta", []],
  ["irate", []],
  ["idelta", []],
  ["deriv", []],
  ["predict_linear", [30]],
  ["resets", []],
  ["changes", []],
  ["sum_over_time", []],
  ["avg_over_time", []],
  ["min_over_time", []],
  ["max_over_time", []],
  ["count_over_time", []],
  ["last_over_time", []],
  ["first_over_time", []],
  ["stddev_over_time", []],
  ["quantile_over_time", [0.3]],
  ["mad_over_time", []],
  ["ts_of_max_over_time", []],
  ["ts_of_first_over_time", []],
  ["double_exponential_smoothing", [0.3, 0.6]],
];

Deno.test("batched window walks agree with per-window evaluation on random series and grids", () => {
  const r = rng(42);
  for (let trial = 0; trial < 60; trial++) {
    const n = Math.floor(r() * 40);
    const t = new Float64Array(n), v = new Float64Array(n);
    let now = Math.floor(r() * 10_000);
    for (let i = 0; i < n; i++) {
      now += 1 + Math.floor(r() * 30_000);
      t[i] = now;
      v[i] = r() < 0.2 ? Math.floor(r() * 5) : Math.round(r() * 1000) / 10;
    }
    const w: RangeWindows = {
      firstT: Math.floor(r() * 200_000),
      stepMs: [1, 7_000, 15_000, 60_000, 300_000][Math.floor(r() * 5)],
      steps: 1 + Math.floor(r() * 30),
      rangeMs: [1, 10_000, 60_000, 120_000, 600_000][Math.floor(r() * 5)],
    };
    for (const [name, params] of NAMES) {
      const out = new Float64Array(w.steps), present = new Uint8Array(w.steps);
      RANGE_KERNELS[name](t, v, w, params, out, present);
      const want = perStep(name, t, v, w, params);
      for (let k = 0; k < w.steps; k++) {
        const got = present[k] ? out[k] : undefined;
        const same = got === want[k] || (Number.isNaN(got) && Number.isNaN(want[k]));
        assert(same, `${name} trial ${trial} step ${k}: batched ${got}, per-window ${want[k]}`);
      }
    }
  }
});
