import { assertEquals } from "../../tests/assert.ts";
import type { CounterResetHint, FloatHistogram } from "../model/histogram.ts";
import { tsdbCounterResetHints } from "./memory_hints.ts";

function h(count: number, buckets: number[], hint: CounterResetHint = "unknown"): FloatHistogram {
  return {
    schema: 0,
    zeroThreshold: 0.001,
    zeroCount: 0,
    count,
    sum: count,
    positiveSpans: buckets.length ? [{ offset: 0, length: buckets.length }] : [],
    positiveBuckets: buckets,
    negativeSpans: [],
    negativeBuckets: [],
    counterResetHint: hint,
  };
}

function hints(hs: FloatHistogram[], floats: number[] = []): CounterResetHint[] {
  const ht = hs.map((_, i) => i * 10);
  return tsdbCounterResetHints(ht, hs, Float64Array.from(floats), floats.length);
}

Deno.test("tsdbCounterResetHints(): first of a chunk is unknown, later ones not_reset", () => {
  assertEquals(hints([h(1, [1]), h(2, [2]), h(3, [2, 1])]), ["unknown", "not_reset", "not_reset"]);
});

Deno.test("tsdbCounterResetHints(): a detected or hinted reset starts a new chunk (read as unknown)", () => {
  assertEquals(hints([h(5, [5]), h(3, [3]), h(4, [4])]), ["unknown", "unknown", "not_reset"]);
  assertEquals(hints([h(5, [5, 1]), h(6, [6])]), ["unknown", "unknown"], "a used bucket vanished");
  assertEquals(
    hints([h(5, [5, 0]), h(6, [6])]),
    ["unknown", "not_reset"],
    "an empty one may vanish",
  );
  assertEquals(hints([h(1, [1]), h(2, [2], "reset")]), ["unknown", "unknown"]);
});

Deno.test("tsdbCounterResetHints(): gauges stay gauges; floats and schema changes cut chunks", () => {
  assertEquals(hints([h(5, [5], "gauge"), h(1, [1], "gauge")]), ["gauge", "gauge"]);
  assertEquals(hints([h(1, [1]), h(2, [2], "gauge"), h(3, [3])]), ["unknown", "gauge", "unknown"]);
  assertEquals(hints([h(1, [1]), h(2, [2]), h(3, [3])], [15]), ["unknown", "not_reset", "unknown"]);
  const finer = { ...h(2, [2]), schema: 1 };
  assertEquals(hints([h(1, [1]), finer]), ["unknown", "unknown"]);
});

Deno.test("tsdbCounterResetHints(): a chunk holds at most 120 histograms", () => {
  const many = Array.from({ length: 122 }, (_, i) => h(i, [i]));
  const got = hints(many);
  assertEquals([got[0], got[119], got[120], got[121]], [
    "unknown",
    "not_reset",
    "unknown",
    "not_reset",
  ]);
});
