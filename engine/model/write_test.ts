import { assert, assertEquals } from "../../tests/assert.ts";
import { labelsFromRecord } from "./labels.ts";
import { ColumnSeries, sampleCount, type WriteSeries } from "./write.ts";
import { STALE_NAN } from "./value.ts";

function columnSeries(labels: Record<string, string>, start: number, end: number): ColumnSeries {
  const s = new ColumnSeries(labelsFromRecord(labels), start, end, [], [], 0);
  s.T = new Float64Array([10, 20, 30, 40]);
  s.V = new Float64Array([1, STALE_NAN, 3, 4]);
  return s;
}

function bits(a: Float64Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length * 2));
}

Deno.test("ColumnSeries exposes its range of the shared columns as t and v", () => {
  const s = columnSeries({ __name__: "up" }, 1, 3);
  assertEquals(Array.from(s.t), [20, 30]);
  assertEquals(bits(s.v), bits(new Float64Array([STALE_NAN, 3])));
  assertEquals(sampleCount(s), 2);
  assert(s.t === s.t, "the view is made once");
  const plain: WriteSeries = {
    labels: s.labels,
    t: new Float64Array([5]),
    v: new Float64Array([6]),
    histograms: [],
    exemplars: [],
    createdT: 0,
  };
  assertEquals(sampleCount(plain), 1);
});
