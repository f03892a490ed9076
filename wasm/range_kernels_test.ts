/**
 * The WASM range kernels must give bit-identical results to the TypeScript kernels they port
 * (engine/promql/functions/range_kernels.ts, the oracle; tests may import engine code).
 * engine/promql/range_backend_test.ts checks the same through the evaluator.
 */
import { assert, assertEquals, assertThrows } from "../tests/assert.ts";
import {
  type KernelWindows,
  RangeKernelError,
  WASM_RANGE_KERNELS,
  wasmKernelParts,
} from "./mod.ts";
import { RANGE_KERNELS } from "../engine/promql/functions/range_kernels.ts";
import { rng } from "../tests/rng.ts";

interface Series {
  t: Float64Array;
  v: Float64Array;
}

function series(seed: number): Series {
  const r = rng(seed);
  const n = Math.floor(r() * 300);
  const t = new Float64Array(n), v = new Float64Array(n);
  let ts = Math.floor(r() * 100000) - 50000, val = r() * 100;
  const kind = seed % 6;
  for (let i = 0; i < n; i++) {
    ts += r() < 0.1 ? Math.floor(r() * 200000) : 1 + Math.floor(r() * 30000);
    t[i] = ts;
    if (kind === 0) val += r() < 0.05 ? -val : Math.floor(r() * 10); // counter with resets
    else if (kind === 1) val = (r() - 0.5) * 1e6; // noisy gauge
    else if (kind === 2) val = r() < 0.3 ? val : Math.round(r() * 4); // few repeated values
    else if (kind === 3) {
      val = [NaN, Infinity, -Infinity, 0, -0, 1, 1e308, -1e308][Math.floor(r() * 8)];
    } else if (kind === 4) val = 1e15 + r(); // large magnitudes, Kahan matters
    else val += Math.floor(r() * 10) * 0.1; // counter without resets
    v[i] = val;
  }
  return { t, v };
}

function windows(seed: number, s: Series): KernelWindows {
  const r = rng(seed * 7 + 1);
  const span = s.t.length ? s.t[s.t.length - 1] - s.t[0] : 100000;
  const steps = 1 + Math.floor(r() * 80);
  const w: KernelWindows = {
    firstT: (s.t[0] ?? 0) + Math.floor((r() - 0.2) * span / 4),
    stepMs: r() < 0.1 ? 0 : 1 + Math.floor(r() * span / steps),
    steps,
    rangeMs: 1 + Math.floor(r() * 600000),
  };
  if (r() < 0.3) w.lookbackMs = 1 + Math.floor(r() * 600000);
  if (r() < 0.2) (w.evalFirstT = w.firstT + 12345, w.evalStepMs = w.stepMs);
  return w;
}

function paramsFor(name: string, steps: number, r: () => number): (number | Float64Array)[] {
  const arr = (f: () => number) => Float64Array.from({ length: steps }, f);
  switch (name) {
    case "quantile_over_time":
      return [
        r() < 0.5 ? [0, 0.5, 0.9, 1, -1, 2, NaN][Math.floor(r() * 7)] : arr(() => r() * 1.2 - 0.1),
      ];
    case "predict_linear":
      return [r() < 0.5 ? Math.floor(r() * 7200) : arr(() => r() * 3600 - 600)];
    case "double_exponential_smoothing":
      return [0.05 + r() * 0.9, r() < 0.5 ? 0.05 + r() * 0.9 : arr(() => 0.1 + r() * 0.8)];
    default:
      return [];
  }
}

function same(a: number, b: number): boolean {
  return Object.is(a, b);
}

const MODES = [undefined, "anchored", "smoothed"] as const;

Deno.test("every WASM range kernel matches the TypeScript kernel bit for bit", () => {
  assertEquals(Object.keys(WASM_RANGE_KERNELS).sort(), Object.keys(RANGE_KERNELS).sort());
  let compared = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const s = series(seed);
    const w = windows(seed, s);
    const r = rng(seed * 13);
    for (const name of Object.keys(RANGE_KERNELS)) {
      for (const mode of MODES) {
        const wm: KernelWindows = mode ? { ...w, mode } : w;
        const params = paramsFor(name, w.steps, r);
        const want = new Float64Array(w.steps).fill(-7), got = new Float64Array(w.steps).fill(-7);
        const wantP = new Uint8Array(w.steps).fill(9), gotP = new Uint8Array(w.steps).fill(9);
        RANGE_KERNELS[name](s.t, s.v, wm, params, want, wantP);
        WASM_RANGE_KERNELS[name](s.t, s.v, wm, params, got, gotP);
        const where = `${name} mode ${mode} seed ${seed}`;
        assertEquals(Array.from(gotP), Array.from(wantP), where);
        for (let k = 0; k < w.steps; k++) {
          if (wantP[k]) compared++;
          assert(!wantP[k] || same(got[k], want[k]), `${where} step ${k}: ${got[k]} != ${want[k]}`);
        }
      }
    }
  }
  assert(compared > 10000, `too few present steps compared: ${compared}`);
});

Deno.test("a kernel given a series in two parts gives the bits of the whole series", () => {
  let compared = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const s = series(seed);
    const w = windows(seed, s);
    const r = rng(seed * 17);
    const cut = Math.floor(r() * (s.t.length + 1));
    for (const name of Object.keys(WASM_RANGE_KERNELS)) {
      const parts = wasmKernelParts(WASM_RANGE_KERNELS[name])!;
      assert(parts !== undefined, `${name} has no two-part form`);
      for (const mode of MODES) {
        const wm: KernelWindows = mode ? { ...w, mode } : w;
        const params = paramsFor(name, w.steps, r);
        const want = new Float64Array(w.steps).fill(-7), got = new Float64Array(w.steps).fill(-7);
        const wantP = new Uint8Array(w.steps).fill(9), gotP = new Uint8Array(w.steps).fill(9);
        WASM_RANGE_KERNELS[name](s.t, s.v, wm, params, want, wantP);
        const [t1, t2] = [s.t.subarray(0, cut), s.t.subarray(cut)];
        const [v1, v2] = [s.v.subarray(0, cut), s.v.subarray(cut)];
        parts(t1, v1, t2, v2, wm, params, got, gotP);
        const where = `${name} mode ${mode} seed ${seed} cut ${cut}`;
        assertEquals(Array.from(gotP), Array.from(wantP), where);
        for (let k = 0; k < w.steps; k++) {
          if (wantP[k]) compared++;
          assert(!wantP[k] || same(got[k], want[k]), `${where} step ${k}: ${got[k]} != ${want[k]}`);
        }
      }
    }
  }
  assert(compared > 10000, `too few present steps compared: ${compared}`);
  assertEquals(wasmKernelParts(RANGE_KERNELS.rate), undefined);
});

Deno.test("WASM double_exponential_smoothing rejects factors outside (0, 1) like the TS kernel", () => {
  const t = Float64Array.of(0, 1000, 2000), v = Float64Array.of(1, 2, 4);
  const w: KernelWindows = { firstT: 2000, stepMs: 1000, steps: 2, rangeMs: 5000 };
  const out = new Float64Array(2), present = new Uint8Array(2);
  for (const [sf, tf] of [[1, 0.5], [0.5, 0], [-0.5, 0.5], [0.5, Infinity]]) {
    let want = "";
    try {
      RANGE_KERNELS.double_exponential_smoothing(t, v, w, [sf, tf], out, present);
    } catch (e) {
      want = (e as Error).message;
    }
    assert(want !== "", `TS kernel accepted ${sf}, ${tf}`);
    assertThrows(
      () => WASM_RANGE_KERNELS.double_exponential_smoothing(t, v, w, [sf, tf], out, present),
      RangeKernelError,
      want,
    );
  }
});

Deno.test("under @ (stepMs 0) WASM kernels still run per step, like the TS kernels", () => {
  const s = series(6);
  assert(s.t.length > 10, "series too short");
  const steps = 12;
  const w: KernelWindows = {
    firstT: s.t[s.t.length - 1],
    stepMs: 0,
    steps,
    rangeMs: s.t[s.t.length - 1] - s.t[0] + 1,
    evalFirstT: s.t[0],
    evalStepMs: 60_000,
  };
  const cases: [string, (number | Float64Array)[]][] = [
    ["quantile_over_time", [Float64Array.from({ length: steps }, (_, k) => k / (steps - 1))]],
    ["predict_linear", [600]],
    ["predict_linear", [Float64Array.from({ length: steps }, (_, k) => k * 100)]],
    ["double_exponential_smoothing", [
      0.5,
      Float64Array.from({ length: steps }, (_, k) => 0.05 + k * 0.07),
    ]],
  ];
  for (const [name, params] of cases) {
    const want = new Float64Array(steps), got = new Float64Array(steps);
    const wantP = new Uint8Array(steps), gotP = new Uint8Array(steps);
    RANGE_KERNELS[name](s.t, s.v, w, params, want, wantP);
    WASM_RANGE_KERNELS[name](s.t, s.v, w, params, got, gotP);
    assertEquals(Array.from(gotP), Array.from(wantP), name);
    assertEquals(Array.from(got), Array.from(want), name);
    assert(new Set(want).size > 1, `${name}: steps should differ`);
  }
});
