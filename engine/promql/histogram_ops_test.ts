import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import {
  detectReset,
  histogramAdd,
  histogramDiv,
  histogramEquals,
  histogramString,
  histogramSub,
  HistogramSum,
  IncompatibleSchemaError,
  trimBuckets,
} from "./histogram_ops.ts";
import { newFloatHistogram } from "../model/histogram.ts";

const h = newFloatHistogram;

Deno.test("histogramAdd() reduces to the coarser schema", () => {
  const a = h({
    schema: 1,
    count: 4,
    sum: 4,
    positiveSpans: [{ offset: 1, length: 2 }],
    positiveBuckets: [1, 3],
  });
  const b = h({
    schema: 0,
    count: 2,
    sum: 2,
    positiveSpans: [{ offset: 1, length: 1 }],
    positiveBuckets: [2],
  });
  const r = histogramAdd(a, b);
  assertEquals(r.schema, 0);
  assertEquals(r.count, 6);
  // Schema 1 buckets 1 and 2 both fall into schema 0 bucket 1.
  assertEquals(r.positiveSpans, [{ offset: 1, length: 1 }]);
  assertEquals(r.positiveBuckets, [6]);
});

Deno.test("histogramAdd() widens the zero bucket of the narrower operand", () => {
  const a = h({
    zeroThreshold: 0.5,
    zeroCount: 1,
    count: 3,
    positiveSpans: [{ offset: 0, length: 1 }],
    positiveBuckets: [2],
  });
  const b = h({ zeroThreshold: 1, zeroCount: 2, count: 2 });
  const r = histogramAdd(a, b);
  assertEquals(r.zeroThreshold, 1);
  // a's bucket 0 is (0.5, 1], inside the new zero bucket.
  assertEquals(r.zeroCount, 5);
  assertEquals(r.positiveBuckets, []);
});

Deno.test("histogramAdd() rejects mixing exponential and custom buckets", () => {
  const a = h({ count: 1 });
  const b = h({ schema: -53, customValues: [1], count: 1 });
  assertThrows(() => histogramAdd(a, b), IncompatibleSchemaError);
});

Deno.test("histogramSub() of custom buckets with different bounds intersects them", () => {
  const a = h({
    schema: -53,
    customValues: [1, 5],
    count: 3,
    positiveSpans: [{ offset: 0, length: 2 }],
    positiveBuckets: [1, 2],
  });
  const b = h({
    schema: -53,
    customValues: [5],
    count: 1,
    positiveSpans: [{ offset: 0, length: 1 }],
    positiveBuckets: [1],
  });
  const flags = { counterResetCollision: false, nhcbBoundsReconciled: false };
  const r = histogramSub(a, b, flags);
  assert(flags.nhcbBoundsReconciled);
  assertEquals(r.customValues, [5]);
  assertEquals(r.positiveBuckets, [2]);
});

Deno.test("detectReset() sees a bucket that went down", () => {
  const prev = h({ count: 5, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [2, 3] });
  const up = h({ count: 6, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [3, 3] });
  const down = h({ count: 6, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [4, 2] });
  assertEquals(detectReset(up, prev), false);
  assertEquals(detectReset(down, prev), true);
  assertEquals(detectReset({ ...down, counterResetHint: "not_reset" }, prev), false);
});

Deno.test("HistogramSum compensates cancellation like Kahan summation", () => {
  const acc = new HistogramSum();
  for (const sum of [1e100, 1, -1e100]) acc.add(h({ count: 1, sum }));
  assertEquals(acc.result().sum, 1);
  assertEquals(acc.result().count, 3);
});

Deno.test("trimBuckets() keeps the observations below the bound", () => {
  const x = h({
    count: 4,
    sum: 6,
    positiveSpans: [{ offset: 1, length: 2 }],
    positiveBuckets: [2, 2],
  });
  // Buckets (1,2] and (2,4]: trimming above 2 keeps the first bucket only.
  const r = trimBuckets(x, 2, true);
  assertEquals(r.count, 2);
  assertEquals(r.positiveBuckets, [2]);
});

Deno.test("histogramDiv() by zero drops the buckets", () => {
  const r = histogramDiv(
    h({ count: 2, sum: 2, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [2] }),
    0,
  );
  assertEquals(r.count, Infinity);
  assertEquals(r.positiveBuckets, []);
});

Deno.test("histogramEquals() ignores span layout and histogramString() prints buckets", () => {
  const a = h({ count: 1, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [1, 0] });
  const b = h({ count: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1] });
  assert(histogramEquals(a, b));
  assertEquals(histogramString(b), "{count:1, sum:0, (0.5,1]:1}");
});
