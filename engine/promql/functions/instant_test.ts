import { assertEquals } from "../../../tests/assert.ts";
import { labelsFromRecord } from "../../model/mod.ts";
import { Annotations } from "../annotations.ts";
import type { Expr } from "../parser/mod.ts";
import { INSTANT_FUNCTIONS, natLess, parseGoFloat } from "./instant.ts";
import { bucketQuantile, quantileOf } from "./quantile.ts";
import type { Sample } from "../value.ts";

function smp(rec: Record<string, string>, f: number): Sample {
  return { metric: labelsFromRecord(rec), t: 0, f, h: undefined, dropName: false };
}

const NUM = (v: number): Expr => ({
  kind: "NumberLiteral",
  value: v,
  duration: false,
  pos: { start: 0, end: 1 },
  valueType: "scalar",
});

Deno.test("histogram_quantile interpolates within classic buckets", () => {
  const vec = [
    smp({ le: "1" }, 10),
    smp({ le: "2" }, 20),
    smp({ le: "+Inf" }, 20),
  ];
  const annos = new Annotations();
  const out = INSTANT_FUNCTIONS.histogram_quantile([[smp({}, 0.75)], vec], {
    ts: 0,
    args: [NUM(0.75), NUM(0)],
    annos,
    pos: { start: 0, end: 1 },
  });
  assertEquals(out.length, 1);
  assertEquals(out[0].f, 1.5);
  assertEquals(out[0].metric, []);
});

Deno.test("bucketQuantile() reports forced monotonicity", () => {
  const r = bucketQuantile(0.5, [
    { upperBound: 1, count: 10 },
    { upperBound: 2, count: 8 },
    { upperBound: Infinity, count: 20 },
  ]);
  assertEquals(r.forcedMonotonic, true);
  assertEquals(r.minBucket, 2);
});

Deno.test("quantileOf() interpolates between ranks", () => {
  assertEquals(quantileOf(0.5, [1, 2, 3, 4]), 2.5);
  assertEquals(quantileOf(2, [1]), Infinity);
});

Deno.test("natLess() compares digit runs by value", () => {
  assertEquals(natLess("a2", "a10"), true);
  assertEquals(natLess("a10", "a2"), false);
  assertEquals(natLess("b", "a"), false);
});

Deno.test("parseGoFloat() accepts Go float syntax only", () => {
  assertEquals(parseGoFloat("+Inf"), Infinity);
  assertEquals(parseGoFloat("1e3"), 1000);
  assertEquals(parseGoFloat("0x10"), 16);
  assertEquals(parseGoFloat("abc"), undefined);
  assertEquals(parseGoFloat(""), undefined);
});

Deno.test("round() rounds half up to the nearest multiple", () => {
  const out = INSTANT_FUNCTIONS.round([[smp({}, 2.5), smp({ a: "1" }, -2.5)], [smp({}, 1)]], {
    ts: 0,
    args: [],
    annos: new Annotations(),
    pos: { start: 0, end: 1 },
  });
  assertEquals(out.map((s) => s.f), [3, -2]);
});
