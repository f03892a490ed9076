import { assertEquals } from "../../tests/assert.ts";
import { labelsFromRecord } from "../model/mod.ts";
import { Annotations } from "./annotations.ts";
import { aggregateColumnar, aggregateK, Aggregator, countValues, kahanInc } from "./aggregation.ts";
import type { AggregateOp } from "./parser/mod.ts";
import type { Matrix, Sample } from "./value.ts";

const POS = { start: 0, end: 1 };

function smp(rec: Record<string, string>, f: number): Sample {
  return { metric: labelsFromRecord(rec), t: 0, f, h: undefined, dropName: false };
}

Deno.test("kahanInc() keeps the small term next to huge ones", () => {
  let s = 0, c = 0;
  for (const x of [1e100, 1, -1e100]) [s, c] = kahanInc(x, s, c);
  assertEquals(s + c, 1);
});

Deno.test("the columnar path agrees with the per-step aggregator", () => {
  const m: Matrix = [];
  for (let i = 0; i < 6; i++) {
    m.push({
      metric: labelsFromRecord({ job: `j${i % 2}`, i: String(i) }),
      fT: [0, 10, 20],
      fV: [i, i * 1.5 - 3, i % 3 === 0 ? NaN : 1e300 * i],
      hT: [],
      hV: [],
      dropName: false,
    });
  }
  for (
    const op of ["sum", "avg", "count", "min", "max", "group", "stddev", "stdvar"] as AggregateOp[]
  ) {
    const fast = aggregateColumnar(op, m, ["job"], false, 0, 10, 3)!;
    const agg = new Aggregator(op, ["job"], false, new Annotations(), POS);
    for (let k = 0; k < 3; k++) {
      const vec = m.map((s) => ({ ...smp({}, s.fV[k]), metric: s.metric }));
      const slow = agg.step(vec, NaN);
      for (let g = 0; g < slow.length; g++) {
        assertEquals(fast[g].fV[k], slow[g].f, `${op} group ${g} step ${k}`);
      }
    }
  }
});

Deno.test("topk keeps the largest values, best first, NaN last", () => {
  const v = [smp({ a: "1" }, 3), smp({ a: "2" }, NaN), smp({ a: "3" }, 7), smp({ a: "4" }, 5)];
  const out = aggregateK("topk", v, 3, [], false, new Annotations(), POS);
  assertEquals(out.map((s) => s.f), [7, 5, 3]);
  const bottom = aggregateK("bottomk", v, 2, [], false, new Annotations(), POS);
  assertEquals(bottom.map((s) => s.f), [3, 5]);
});

Deno.test("count_values counts equal values per group", () => {
  const v = [smp({ job: "a" }, 1), smp({ job: "b" }, 1), smp({ job: "b" }, 2)];
  const out = countValues(v, "value", [], false, (s) => String(s.f));
  assertEquals(out.map((s) => [s.metric.map((l) => `${l.name}=${l.value}`).join(), s.f]), [
    ["value=1", 2],
    ["value=2", 1],
  ]);
});
