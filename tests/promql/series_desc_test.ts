import { assert, assertEquals, assertThrows } from "../assert.ts";
import { labelsFromRecord } from "../../engine/model/labels.ts";
import {
  goUnquote,
  parseGoNumber,
  parseSeriesDesc,
  parseValueSequence,
  type SequenceValue,
  SeriesDescError,
} from "./series_desc.ts";

function floats(vs: SequenceValue[]): (number | string)[] {
  return vs.map((v) => v.kind === "float" ? v.v : v.kind === "omitted" ? "_" : "h");
}

Deno.test("parseValueSequence() expands a+bxN to N+1 values and _xN to N blanks", () => {
  assertEquals(floats(parseValueSequence("0+10x3 _x2 5 1-2x2 7x1")), [
    0,
    10,
    20,
    30,
    "_",
    "_",
    5,
    1,
    -1,
    -3,
    7,
    7,
  ]);
});

Deno.test("parseValueSequence() reads stale, Inf, NaN, signs, exponents and octal integers", () => {
  const v = parseValueSequence("stale Inf -Inf nan +5 1e3 .5 010 -1e-2");
  assertEquals(v[0].kind, "stale");
  assertEquals(floats(v.slice(1)).map(String), [
    "Infinity",
    "-Infinity",
    "NaN",
    "5",
    "1000",
    "0.5",
    "8",
    "-0.01",
  ]);
});

Deno.test("parseValueSequence() adds repeatedly so 0.1+0.1x2 carries float error", () => {
  assertEquals(floats(parseValueSequence("0.1+0.1x2")), [0.1, 0.2, 0.1 + 0.1 + 0.1]);
});

Deno.test("parseValueSequence() rejects garbage", () => {
  assertThrows(() => parseValueSequence("1+x"), SeriesDescError);
  assertThrows(() => parseValueSequence("abc"), SeriesDescError);
});

Deno.test("parseSeriesDesc() reads names, quoted UTF-8 names, escapes and trailing commas", () => {
  const a = parseSeriesDesc(`http_requests{job="api", path="/a\\"b",} 1`);
  assertEquals(a.labels, labelsFromRecord({ __name__: "http_requests", job: "api", path: '/a"b' }));
  const b = parseSeriesDesc(`{"my.metric", "la.bel"='v'} 2`);
  assertEquals(b.labels, labelsFromRecord({ __name__: "my.metric", "la.bel": "v" }));
  const c = parseSeriesDesc(`{} 3`);
  assertEquals(c.labels, []);
  const d = parseSeriesDesc("m{a=``} 1");
  assertEquals(d.labels, labelsFromRecord({ __name__: "m" }));
});

Deno.test("parseSeriesDesc() parses native histograms and histogram series", () => {
  const d = parseSeriesDesc(
    "h {{schema:1 sum:3 count:22 z_bucket:1 buckets:[5 10 7] offset:-1}} {{}} {{count:1}}+{{count:2}}x2",
  );
  const h = d.values[0];
  assert(h.kind === "histogram");
  assertEquals(h.h.schema, 1);
  assertEquals(h.h.positiveSpans, [{ offset: -1, length: 3 }]);
  assertEquals(h.h.positiveBuckets, [5, 10, 7]);
  assertEquals(d.values.length, 5);
  const last = d.values[4];
  assert(last.kind === "histogram");
  assertEquals(last.h.count, 5);
});

Deno.test("parseGoNumber() follows ParseInt(s, 0, 64) then ParseFloat", () => {
  assertEquals(parseGoNumber("0x10"), 16);
  assertEquals(parseGoNumber("010"), 8);
  assertEquals(parseGoNumber("09"), 9);
  assertEquals(parseGoNumber("-Inf"), -Infinity);
  assertEquals(parseGoNumber("1.5e3"), 1500);
  assertEquals(parseGoNumber("foo"), undefined);
  assertEquals(parseGoNumber('{a="b"}'), undefined);
});

Deno.test("goUnquote() handles Go escapes and raw strings", () => {
  assertEquals(goUnquote(`" Foo "`), " Foo ");
  assertEquals(goUnquote(`"a\\nb\\u00e9"`), "a\nbé");
  assertEquals(goUnquote("`a\\n`"), "a\\n");
});
