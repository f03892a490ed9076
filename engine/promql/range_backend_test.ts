/**
 * The WASM range kernels (the evaluator's default) against the TypeScript kernels (the oracle):
 * identical output bits for every kernel, first kernel by kernel on random series, then through
 * the Engine with each backend selected.
 */
import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { isStaleNaN, labelsFromRecord, STALE_NAN } from "../model/mod.ts";
import { MemoryStorage } from "../storage/memory.ts";
import { WASM_RANGE_KERNELS } from "../../wasm/mod.ts";
import { RANGE_KERNELS, RangeKernelError, type RangeWindows } from "./functions/range_kernels.ts";
import { Engine, type QueryResult } from "./mod.ts";
import { setRangeKernelBackend, TS_ONLY_RANGE_KERNELS, wasmOrTs } from "./range_backend.ts";
import { withoutStale } from "./selectors.ts";
import { rng } from "../../tests/rng.ts";

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1e308, -1e308, 5e-324];

/**
 * Raw samples of one random series as storage returns them: irregular intervals (jitter, gaps,
 * bursts 1 ms apart), staleness markers, and one of several value shapes.
 */
function rawSeries(seed: number): { t: number[]; v: number[] } {
  const r = rng(seed);
  const n = Math.floor(r() * 250);
  const t: number[] = [], v: number[] = [];
  let ts = Math.floor(r() * 200_000) - 100_000, val = r() * 100;
  const kind = seed % 6;
  for (let i = 0; i < n; i++) {
    const g = r();
    ts += g < 0.05
      ? 1
      : g < 0.12
      ? 60_000 + Math.floor(r() * 400_000)
      : 1 + Math.floor(r() * 30_000);
    t.push(ts);
    if (r() < 0.04) {
      v.push(STALE_NAN);
      continue;
    }
    if (kind === 0) val += r() < 0.06 ? -val + Math.floor(r() * 3) : Math.floor(r() * 10); // resets
    else if (kind === 1) val = (r() - 0.5) * 1e6; // gauge
    else if (kind === 2) val = r() < 0.4 ? val : Math.round(r() * 3); // repeats
    else if (kind === 3) val = SPECIAL[Math.floor(r() * SPECIAL.length)];
    else if (kind === 4) val = 1e15 + r(); // Kahan compensation matters
    else val = r() < 0.15 ? SPECIAL[Math.floor(r() * 3)] : val + r() * 5; // counter with NaN/Inf
    v.push(val);
  }
  return { t, v };
}

/** The float columns a kernel sees: staleness markers removed, as the evaluator does. */
function kernelInput(seed: number): { t: Float64Array; v: Float64Array } {
  const raw = rawSeries(seed);
  const f = withoutStale({
    labels: [],
    t: Float64Array.from(raw.t),
    v: Float64Array.from(raw.v),
  });
  for (const x of f.v) assert(!isStaleNaN(x), "staleness marker left in the kernel input");
  return f;
}

const MODES = ["default", "anchored", "smoothed"] as const;

/** A random grid: plain steps, an offset (evalFirstT differs), or `@` (stepMs 0). */
function grid(r: () => number, t: Float64Array): RangeWindows {
  const span = t.length > 1 ? t[t.length - 1] - t[0] : 100_000;
  const steps = 1 + Math.floor(r() * 60);
  const start = (t[0] ?? 0) + Math.floor((r() - 0.2) * span / 3);
  const stepMs = 1 + Math.floor(r() * span / steps);
  const w: RangeWindows = {
    firstT: start,
    stepMs,
    steps,
    rangeMs: 1 + Math.floor(r() * 600_000),
    evalFirstT: start,
    evalStepMs: stepMs,
  };
  const shape = r();
  if (shape < 0.25) w.firstT = start - Math.floor(r() * 300_000); // offset
  else if (shape < 0.5) {
    w.firstT = (t[Math.floor(r() * t.length)] ?? 0) + Math.floor(r() * 3) - 1; // @ a sample ±1ms
    w.stepMs = 0;
  }
  if (r() < 0.4) w.lookbackMs = 1 + Math.floor(r() * 600_000);
  return w;
}

function paramsFor(name: string, steps: number, r: () => number): (number | Float64Array)[] {
  const arr = (f: () => number) => Float64Array.from({ length: steps }, f);
  switch (name) {
    case "quantile_over_time":
      return [r() < 0.5 ? SPECIAL.concat([0.5, 0.9, 2])[Math.floor(r() * 13)] : arr(() => r())];
    case "predict_linear":
      return [r() < 0.5 ? Math.floor(r() * 7200) - 600 : arr(() => r() * 3600 - 600)];
    case "double_exponential_smoothing":
      return [0.01 + r() * 0.98, r() < 0.5 ? 0.01 + r() * 0.98 : arr(() => 0.01 + r() * 0.98)];
    default:
      return [];
  }
}

/**
 * The bits of a float, except that every NaN is "NaN": neither WebAssembly nor JavaScript fix the
 * sign or payload of a NaN that arithmetic produces (x86 returns the first NaN operand, and the
 * compilers may swap commutative operands), so a NaN result may come out as 7ff8... from one
 * backend and fff8... from the other. PromQL only ever prints "NaN"; staleness markers (a
 * specific payload) never reach the kernels, and NaNs passed through unchanged keep their bits.
 */
const bitsOf = (x: number) => {
  if (x !== x) return "NaN";
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  return b.getBigUint64(0).toString(16);
};

Deno.test("the evaluator's range kernels are the WASM ones, with no TypeScript-only function", () => {
  assertEquals(TS_ONLY_RANGE_KERNELS, []);
  for (const name of Object.keys(RANGE_KERNELS)) {
    assert(wasmOrTs(name) === WASM_RANGE_KERNELS[name], `${name} does not run in WASM`);
  }
  assertEquals(wasmOrTs("absent_over_time"), undefined);
  assertEquals(wasmOrTs("toString"), undefined);
  const prev = setRangeKernelBackend("ts");
  try {
    assert(wasmOrTs("rate") === RANGE_KERNELS.rate, "the ts backend should run the oracle");
  } finally {
    setRangeKernelBackend(prev);
  }
});

Deno.test("every range kernel gives the same bits in WASM and TypeScript on random series", () => {
  let compared = 0, atGrids = 0;
  const names = Object.keys(RANGE_KERNELS);
  for (let seed = 1; seed <= 60; seed++) {
    const { t, v } = kernelInput(seed);
    const r = rng(seed * 31 + 7);
    for (const name of names) {
      for (const mode of MODES) {
        const w: RangeWindows = { ...grid(r, t), mode };
        if (w.stepMs === 0) atGrids++;
        const params = paramsFor(name, w.steps, r);
        const want = new Float64Array(w.steps), got = new Float64Array(w.steps);
        const wantP = new Uint8Array(w.steps).fill(9), gotP = new Uint8Array(w.steps).fill(7);
        RANGE_KERNELS[name](t, v, w, params, want, wantP);
        WASM_RANGE_KERNELS[name](t, v, w, params, got, gotP);
        const where = `${name} ${mode} seed ${seed} ${JSON.stringify(w)}`;
        assertEquals(Array.from(gotP), Array.from(wantP), where);
        for (let k = 0; k < w.steps; k++) {
          if (!wantP[k]) continue;
          compared++;
          assertEquals(bitsOf(got[k]), bitsOf(want[k]), `${where} step ${k}: ${got[k]} ${want[k]}`);
        }
      }
    }
  }
  assert(compared > 20_000, `too few present steps compared: ${compared}`);
  assert(atGrids > 100, `too few @ grids: ${atGrids}`);
});

Deno.test("WASM and TypeScript kernels reject the same smoothing factors with the same text", () => {
  const t = Float64Array.of(0, 1000, 2000), v = Float64Array.of(1, 2, 4);
  const w: RangeWindows = { firstT: 2000, stepMs: 1000, steps: 2, rangeMs: 5000 };
  const out = new Float64Array(2), present = new Uint8Array(2);
  for (const [sf, tf] of [[1, 0.5], [0.5, 0], [-0.5, 0.5], [0.5, Infinity], [0, 2]]) {
    let want = "";
    try {
      RANGE_KERNELS.double_exponential_smoothing(t, v, w, [sf, tf], out, present);
    } catch (e) {
      assert(e instanceof RangeKernelError, `TS threw ${e}`);
      want = e.message;
    }
    assert(want !== "", `TS kernel accepted ${sf}, ${tf}`);
    assertThrows(
      () => WASM_RANGE_KERNELS.double_exponential_smoothing(t, v, w, [sf, tf], out, present),
      RangeKernelError,
      want,
    );
  }
});

Deno.test("NaNs that kernels pass through keep their payload in both backends", () => {
  const raw = new DataView(new ArrayBuffer(8));
  raw.setBigUint64(0, 0xfff8_0000_dead_beefn); // a quiet NaN with sign and payload set
  const odd = raw.getFloat64(0);
  const t = Float64Array.of(1000, 2000, 3000), v = Float64Array.of(1, odd, odd);
  const w: RangeWindows = { firstT: 3000, stepMs: 1000, steps: 2, rangeMs: 1500 };
  for (const name of ["last_over_time", "first_over_time", "max_over_time", "min_over_time"]) {
    for (const kernels of [RANGE_KERNELS, WASM_RANGE_KERNELS]) {
      const out = new Float64Array(2), present = new Uint8Array(2);
      kernels[name](t, v, w, [], out, present);
      const bits = new DataView(out.buffer).getBigUint64(0, true);
      assertEquals(bits.toString(16), "fff80000deadbeef", name);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Through the Engine: the same queries with each backend selected must give identical bits.

function storage(): MemoryStorage {
  const s = new MemoryStorage();
  for (let seed = 1; seed <= 18; seed++) {
    const { t, v } = rawSeries(seed * 101);
    const name = seed % 3 === 0 ? "gauge" : "m_total";
    const l = labelsFromRecord({ __name__: name, i: String(seed) });
    for (let i = 0; i < t.length; i++) s.add(l, t[i], v[i]);
  }
  return s;
}

/** A query result with every float replaced by its bits. */
function bitsResult(r: QueryResult): string {
  return JSON.stringify(r, (_k, x) => typeof x === "number" ? bitsOf(x) : x);
}

const ARGS: Record<string, string> = {
  quantile_over_time: "0.9, ",
  predict_linear: "",
  double_exponential_smoothing: "",
};
const TAIL: Record<string, string> = {
  predict_linear: ", 600",
  double_exponential_smoothing: ", 0.3, 0.6",
};

function queries(): string[] {
  const qs: string[] = [];
  for (const f of Object.keys(RANGE_KERNELS)) {
    const call = (sel: string) => `${f}(${ARGS[f] ?? ""}${sel}${TAIL[f] ?? ""})`;
    for (const m of ["m_total", "gauge"]) {
      qs.push(call(`${m}[5m]`), call(`${m}[2m] offset 3m`), call(`${m}[10m] @ 1200`));
      qs.push(call(`${m}[7m:1m]`));
    }
    if (["rate", "increase", "delta", "resets", "changes"].includes(f)) {
      qs.push(call("m_total[3m] anchored"), call("gauge[5m] anchored"));
    }
    if (["rate", "increase", "delta"].includes(f)) {
      qs.push(call("m_total[3m] smoothed"), call("gauge[5m] smoothed"));
    }
  }
  // Per-step parameters under @, and predict_linear's moving intercept.
  qs.push("quantile_over_time(time() / 4000, m_total[30m] @ 2000)");
  qs.push("predict_linear(gauge[30m] @ 1500, time() - 1000)");
  qs.push("double_exponential_smoothing(gauge[1h] @ 2500, 0.5, 0.1 + time() / 5000)");
  return qs;
}

async function runAll(engine: Engine, s: MemoryStorage): Promise<string[]> {
  const out: string[] = [];
  for (const q of queries()) {
    try {
      out.push(q, bitsResult(await engine.rangeQuery(s, q, -60_000, 3_600_000, 47_000)));
      out.push(bitsResult(await engine.instantQuery(s, q, 1_234_567)));
    } catch (e) {
      out.push(`${q}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }
  return out;
}

Deno.test("the Engine gives the same bits with WASM and TypeScript range kernels", async () => {
  const s = storage();
  const engine = new Engine();
  const wasm = await runAll(engine, s);
  const prev = setRangeKernelBackend("ts");
  let ts: string[];
  try {
    ts = await runAll(engine, s);
  } finally {
    setRangeKernelBackend(prev);
  }
  assertEquals(wasm.length, ts.length);
  let nonEmpty = 0;
  for (let i = 0; i < ts.length; i++) {
    assertEquals(wasm[i], ts[i]);
    if (ts[i].includes('"t":["') || ts[i].includes('"samples":[{')) nonEmpty++;
  }
  const errors = ts.filter((x) => x.includes("Error:"));
  assertEquals(errors, []);
  assert(nonEmpty > 200, `too few non-empty results: ${nonEmpty}`);
});
