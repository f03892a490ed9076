import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import { RANGE_KERNELS, RangeKernelError, type RangeWindows } from "./range_kernels.ts";
import { KAHAN, kahanInc } from "./range_windows.ts";

const M = 60_000;

/** Runs kernel `name` and returns per-step values, `undefined` where a step has no value. */
function run(
  name: string,
  points: [number, number][],
  w: Partial<RangeWindows> & { firstT: number; rangeMs: number },
  params: (number | Float64Array)[] = [],
): (number | undefined)[] {
  const full: RangeWindows = { stepMs: M, steps: 1, ...w };
  const t = Float64Array.from(points.map((p) => p[0]));
  const v = Float64Array.from(points.map((p) => p[1]));
  const out = new Float64Array(full.steps).fill(-999);
  const present = new Uint8Array(full.steps).fill(7);
  RANGE_KERNELS[name](t, v, full, params, out, present);
  return [...out].map((x, k) => present[k] === 1 ? x : (assert(present[k] === 0), undefined));
}

function close(got: number | undefined, want: number, msg = ""): void {
  assert(got !== undefined, `${msg}: no value`);
  assert(
    Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)),
    `${msg}: got ${got}, want ${want}`,
  );
}

/** A counter rising 10 per minute, sampled every minute from 0 to 10m. */
const COUNTER: [number, number][] = Array.from({ length: 11 }, (_, i) => [i * M, i * 10]);

Deno.test("rate() extrapolates to the window start when the first sample is within 1.1 intervals", () => {
  // (5m, 10m] holds 60..100: increase 40 over 240s, extended by 60s at the start -> 50.
  close(run("increase", COUNTER, { firstT: 10 * M, rangeMs: 5 * M })[0], 50, "increase");
  close(run("rate", COUNTER, { firstT: 10 * M, rangeMs: 5 * M })[0], 50 / 300, "rate");
});

Deno.test("increase() corrects counter resets and does not extrapolate below zero", () => {
  const pts: [number, number][] = [[0, 0], [M, 10], [2 * M, 20], [3 * M, 5], [4 * M, 15]];
  // 15 - 0 + 20 (reset) = 35; the zero point is at the first sample, so no start extrapolation.
  close(run("increase", pts, { firstT: 4 * M, rangeMs: 5 * M })[0], 35);
});

Deno.test("increase() extrapolates only half an interval when samples stop far from the edges", () => {
  const pts: [number, number][] = [[3 * M, 100], [4 * M, 110]];
  // sampled 60s, both gaps exceed 66s -> 30s each: 10 * (60+30+30)/60 = 20.
  close(run("increase", pts, { firstT: 10 * M, rangeMs: 10 * M })[0], 20);
});

Deno.test("delta() extrapolates a gauge in both directions and needs two samples", () => {
  const pts: [number, number][] = [[M, 5], [2 * M, 3]];
  close(run("delta", pts, { firstT: 2 * M, rangeMs: 2 * M })[0], -4);
  assertEquals(run("delta", pts, { firstT: 2 * M, rangeMs: M }), [undefined]);
});

Deno.test("windows are left-open: a sample exactly at the window start is excluded", () => {
  const pts: [number, number][] = [[0, 1], [M, 2], [2 * M, 3]];
  assertEquals(run("count_over_time", pts, { firstT: 2 * M, rangeMs: 2 * M }), [2]);
  assertEquals(run("count_over_time", pts, { firstT: 2 * M, rangeMs: 2 * M + 1 }), [3]);
});

Deno.test("irate() and idelta() use the last two samples; irate treats a drop as a reset", () => {
  const pts: [number, number][] = [[0, 10], [M, 20], [2 * M, 5]];
  close(run("irate", pts, { firstT: 2 * M, rangeMs: 5 * M })[0], 5 / 60);
  close(run("idelta", pts, { firstT: 2 * M, rangeMs: 5 * M })[0], -15);
  close(run("irate", pts.slice(0, 2), { firstT: 2 * M, rangeMs: 5 * M })[0], 10 / 60);
});

const GAUGE: [number, number][] = [[M, 4], [2 * M, 2], [3 * M, 8], [4 * M, 6]];

Deno.test("*_over_time aggregate the window's samples", () => {
  const w = { firstT: 4 * M, rangeMs: 5 * M };
  const one = (name: string, params: number[] = []) => run(name, GAUGE, w, params)[0];
  close(one("sum_over_time"), 20, "sum");
  close(one("avg_over_time"), 5, "avg");
  close(one("count_over_time"), 4, "count");
  close(one("min_over_time"), 2, "min");
  close(one("max_over_time"), 8, "max");
  close(one("last_over_time"), 6, "last");
  close(one("first_over_time"), 4, "first");
  close(one("present_over_time"), 1, "present");
  close(one("stdvar_over_time"), 5, "stdvar");
  close(one("stddev_over_time"), Math.sqrt(5), "stddev");
  close(one("quantile_over_time", [0.5]), 5, "median");
  close(one("quantile_over_time", [0]), 2, "q0");
  assertEquals(one("quantile_over_time", [2]), Infinity);
  assertEquals(one("quantile_over_time", [-1]), -Infinity);
  close(one("mad_over_time"), 2, "mad");
  close(one("ts_of_max_over_time"), 180, "ts_of_max");
  close(one("ts_of_min_over_time"), 120, "ts_of_min");
  close(one("ts_of_last_over_time"), 240, "ts_of_last");
  close(one("ts_of_first_over_time"), 60, "ts_of_first");
  close(one("changes"), 3, "changes");
  close(one("resets"), 2, "resets");
});

Deno.test("kernels fill every step of a range query in one call", () => {
  const got = run("sum_over_time", GAUGE, { firstT: 4 * M, stepMs: M, steps: 5, rangeMs: 5 * M });
  // Windows end at 4m..8m; from 6m on the 1m sample drops out, at 9m+ everything would be gone.
  assertEquals(got, [20, 20, 16, 14, 6]);
  const empty = run("sum_over_time", GAUGE, { firstT: 10 * M, stepMs: M, steps: 2, rangeMs: M });
  assertEquals(empty, [undefined, undefined]);
});

Deno.test("a zero step (the @ modifier) evaluates one window and copies it to every step", () => {
  const got = run("max_over_time", GAUGE, { firstT: 4 * M, stepMs: 0, steps: 3, rangeMs: 5 * M });
  assertEquals(got, [8, 8, 8]);
});

Deno.test("max/min_over_time skip NaN unless every value is NaN; mad is NaN with any NaN", () => {
  const pts: [number, number][] = [[M, NaN], [2 * M, 3], [3 * M, NaN], [4 * M, 1]];
  const w = { firstT: 4 * M, rangeMs: 5 * M };
  assertEquals(run("max_over_time", pts, w), [3]);
  assertEquals(run("min_over_time", pts, w), [1]);
  assert(Number.isNaN(run("max_over_time", [[M, NaN]], w)[0]!));
  assert(Number.isNaN(run("mad_over_time", pts, w)[0]!));
  // quantile sorts NaN first: [NaN, NaN, 1, 3] -> q=1 is 3, q=0 is NaN.
  assertEquals(run("quantile_over_time", pts, w, [1]), [3]);
  assert(Number.isNaN(run("quantile_over_time", pts, w, [0])[0]!));
});

Deno.test("sum_over_time and avg_over_time use compensated summation", () => {
  const pts: [number, number][] = [[M, 1e100], [2 * M, 1], [3 * M, -1e100]];
  const w = { firstT: 3 * M, rangeMs: 5 * M };
  assertEquals(run("sum_over_time", pts, w), [1]);
  close(run("avg_over_time", pts, w)[0], 1 / 3);
  // Overflowing sums switch to an incremental mean instead of returning Inf.
  const big: [number, number][] = [[M, 1.5e308], [2 * M, 1.5e308]];
  close(run("avg_over_time", big, w)[0], 1.5e308);
});

Deno.test("deriv() fits relative to the first sample; predict_linear() relative to the eval time", () => {
  const pts: [number, number][] = [[0, 3], [M, 123], [2 * M, 243]]; // y = 2*seconds + 3
  close(run("deriv", pts, { firstT: 2 * M, rangeMs: 5 * M })[0], 2);
  close(run("predict_linear", pts, { firstT: 2 * M, rangeMs: 5 * M }, [60])[0], 363);
  // With `offset 1m` the intercept stays at the unshifted evaluation time.
  const shifted = run("predict_linear", pts, { firstT: 2 * M, evalFirstT: 3 * M, rangeMs: 5 * M }, [
    0,
  ]);
  close(shifted[0], 363);
  const constant = run("deriv", [[0, 5], [M, 5]], { firstT: M, rangeMs: 5 * M });
  assertEquals(constant, [0]);
});

Deno.test("double_exponential_smoothing() follows Holt's method and rejects bad factors", () => {
  const pts: [number, number][] = [[0, 1], [M, 3], [2 * M, 4]];
  close(
    run("double_exponential_smoothing", pts, { firstT: 2 * M, rangeMs: 5 * M }, [0.5, 0.5])[0],
    4.5,
  );
  assertThrows(
    () => run("double_exponential_smoothing", pts, { firstT: 2 * M, rangeMs: 5 * M }, [1, 0.5]),
    RangeKernelError,
    "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000",
  );
  assertThrows(
    () => run("double_exponential_smoothing", pts, { firstT: 2 * M, rangeMs: 5 * M }, [0.5, 0]),
    RangeKernelError,
    "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000",
  );
});

Deno.test("anchored rate/increase start at the last sample at or before the window start", () => {
  const pts: [number, number][] = [[0, 0], [M, 10], [2 * M, 20], [3 * M, 30]];
  const w = { firstT: 3 * M, rangeMs: 2 * M, mode: "anchored" as const };
  close(run("increase", pts, w)[0], 20, "increase");
  close(run("rate", pts, w)[0], 20 / 120, "rate");
  const reset: [number, number][] = [[0, 0], [M, 10], [2 * M, 5], [3 * M, 30]];
  close(run("increase", reset, w)[0], 30, "increase with reset");
  close(run("delta", reset, w)[0], 20, "delta ignores resets");
});

Deno.test("smoothed increase interpolates at both window edges", () => {
  const pts: [number, number][] = [[0, 0], [90_000, 9], [150_000, 15]];
  const w = { firstT: 2 * M, rangeMs: M, mode: "smoothed" as const };
  close(run("increase", pts, w)[0], 6);
  close(run("rate", pts, w)[0], 0.1);
});

Deno.test("anchored resets/changes compare with the sample before the window", () => {
  const pts: [number, number][] = [[0, 5], [2 * M, 3], [3 * M, 4]];
  const w = { firstT: 3 * M, rangeMs: M };
  assertEquals(run("resets", pts, w), [0]);
  assertEquals(run("changes", pts, w), [0]);
  assertEquals(run("changes", pts, { ...w, mode: "anchored" }), [1]);
  assertEquals(run("resets", pts, { ...w, rangeMs: 2 * M, mode: "anchored" }), [1]);
  assertEquals(run("changes", [[0, 1]], { ...w, mode: "anchored" }), [undefined]);
});

Deno.test("with a zero step (@) per-step parameters and predict_linear's intercept still vary", () => {
  const pts: [number, number][] = [[0, 3], [M, 123], [2 * M, 243]]; // y = 2*seconds + 3
  const w = {
    firstT: 2 * M,
    stepMs: 0,
    steps: 3,
    rangeMs: 5 * M,
    evalFirstT: 3 * M,
    evalStepMs: M,
  };
  const got = run("predict_linear", pts, w, [0]);
  got.forEach((x, k) => close(x, [363, 483, 603][k], `step ${k}`));
  const q = run(
    "quantile_over_time",
    GAUGE,
    { firstT: 4 * M, stepMs: 0, steps: 2, rangeMs: 5 * M },
    [
      Float64Array.from([0, 1]),
    ],
  );
  assertEquals(q, [2, 8]);
});

Deno.test("kahanInc() propagates infinities and NaN like Prometheus's kahansum.Inc", () => {
  const cases: [number, number, number][] = [
    [Infinity, 2, Infinity],
    [-Infinity, 2, -Infinity],
    [Infinity, -Infinity, NaN],
    [NaN, 2, NaN],
    [NaN, Infinity, NaN],
    [NaN, -Infinity, NaN],
  ];
  for (const [a, b, want] of cases) {
    for (const [x, y] of [[a, b], [b, a]]) {
      const got = kahanInc(y, x, 0) + KAHAN[0];
      assert(
        Object.is(got, want) || (Number.isNaN(want) && Number.isNaN(got)),
        `${x}+${y}: ${got}`,
      );
    }
  }
});

Deno.test("deriv() of a constant series with jittered timestamps is exactly 0", () => {
  const start = 1493712816939;
  const pts: [number, number][] = Array.from(
    { length: 15 },
    (_, i) => [start + 30_000 * i + (i % 2) * 12, 1],
  );
  assertEquals(run("deriv", pts, { firstT: start + 30 * M, rangeMs: 30 * M }), [0]);
});
