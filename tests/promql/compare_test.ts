import { assert, assertEquals } from "../assert.ts";
import { labelsFromRecord } from "../../engine/model/labels.ts";
import { STALE_NAN } from "../../engine/model/value.ts";
import {
  almostEqual,
  checkAnnotations,
  checkExpectedFailure,
  compareResult,
  histogramsMatch,
  matrixSortError,
} from "./compare.ts";
import { type EvalCmd, parseTestFile } from "./test_file.ts";

function ev(text: string): EvalCmd {
  return parseTestFile(text)[0] as EvalCmd;
}

const A = labelsFromRecord({ __name__: "m", a: "1" });
const B = labelsFromRecord({ __name__: "m", a: "2" });

Deno.test("almostEqual() follows util/almost.Equal with epsilon 1e-6", () => {
  assert(almostEqual(NaN, NaN));
  assert(!almostEqual(NaN, STALE_NAN));
  assert(almostEqual(STALE_NAN, STALE_NAN));
  assert(almostEqual(Infinity, Infinity));
  assert(!almostEqual(Infinity, -Infinity));
  assert(almostEqual(1, 1 + 1e-7));
  assert(!almostEqual(1, 1 + 1e-5));
  assert(!almostEqual(0, 1e-300), "zero compares effectively exactly");
  assert(almostEqual(0, 0));
});

Deno.test("compareResult() matches vectors regardless of order unless ordered", () => {
  const e = ev('eval instant at 0 m\n  m{a="1"} 1\n  m{a="2"} 2\n');
  const vec = {
    type: "vector" as const,
    samples: [{ labels: B, t: 0, v: 2 }, { labels: A, t: 0, v: 1 }],
  };
  assertEquals(compareResult(e, vec), undefined);
  const o = ev('eval_ordered instant at 0 m\n  m{a="1"} 1\n  m{a="2"} 2\n');
  assert(compareResult(o, vec)!.includes("at position 2 but was at 1"));
  const missing = compareResult(e, { type: "vector", samples: [{ labels: A, t: 0, v: 1 }] });
  assert(missing!.includes("not found"));
  const wrong = compareResult(e, {
    type: "vector",
    samples: [{ labels: A, t: 0, v: 1 }, { labels: B, t: 0, v: 3 }],
  });
  assert(wrong!.includes("expected 2"));
  const empty = ev("eval instant at 0 m\n");
  assert(compareResult(empty, vec)!.includes("unexpected metric"));
  assertEquals(compareResult(empty, { type: "vector", samples: [] }), undefined);
});

Deno.test("compareResult() checks matrix points, timestamps and sorting", () => {
  const e = ev('eval range from 0 to 2m step 1m m\n  m{a="1"} 1 _ 3\n  m{a="2"} 1x2\n');
  const good = {
    type: "matrix" as const,
    series: [
      { labels: A, t: [0, 120_000], v: [1, 3] },
      { labels: B, t: [0, 60_000, 120_000], v: [1, 1, 1] },
    ],
  };
  assertEquals(compareResult(e, good), undefined);
  assert(matrixSortError([...good.series].reverse()) !== undefined);
  assert(
    compareResult(e, { type: "matrix", series: [...good.series].reverse() })!.includes("sorted"),
  );
  const shifted = {
    type: "matrix" as const,
    series: [{ labels: A, t: [0, 60_000], v: [1, 3] }, good.series[1]],
  };
  assert(compareResult(e, shifted)!.includes("timestamp"));
  const tooMany = ev('eval range from 0 to 1m step 1m m\n  m{a="1"} 1 2 3\n');
  assert(
    compareResult(tooMany, { type: "matrix", series: [{ labels: A, t: [0], v: [1] }] })!
      .includes("cannot return this many points"),
  );
});

Deno.test("compareResult() checks scalars and strings", () => {
  assertEquals(
    compareResult(ev("eval instant at 0 1\n  1\n"), { type: "scalar", t: 0, v: 1 }),
    undefined,
  );
  assert(
    compareResult(ev("eval instant at 0 1\n  2\n"), { type: "scalar", t: 0, v: 1 }) !== undefined,
  );
  assert(compareResult(ev("eval instant at 0 1\n"), { type: "scalar", t: 0, v: 1 }) !== undefined);
  const s = ev('eval instant at 0 "a"\n  expect string "a"\n');
  assertEquals(compareResult(s, { type: "string", t: 0, v: "a" }), undefined);
  assert(compareResult(s, { type: "string", t: 0, v: "b" }) !== undefined);
});

Deno.test("checkAnnotations() requires a two-way match between expect lines and annotations", () => {
  const e = ev("eval instant at 0 m\n  expect warn msg: PromQL warning: a\n  expect no_info\n");
  assertEquals(checkAnnotations(e, ["PromQL warning: a"], []), undefined);
  assert(
    checkAnnotations(e, ["PromQL warning: a", "PromQL warning: b"], [])!.includes("unexpected"),
  );
  assert(checkAnnotations(e, [], [])!.includes("none were found"));
  assert(checkAnnotations(e, ["PromQL warning: a"], ["PromQL info: x"])!.includes("info"));
  const none = ev("eval instant at 0 m\n");
  assertEquals(checkAnnotations(none, ["x"], ["y"]), undefined, "unchecked without expect lines");
  const legacy = ev("eval_warn instant at 0 m\n");
  assert(checkAnnotations(legacy, [], []) !== undefined);
  assertEquals(
    checkAnnotations(
      ev("eval instant at 0 m\n  expect warn\n"),
      ["w", "3 more warning annotations omitted"],
      [],
    ),
    undefined,
  );
});

Deno.test("checkExpectedFailure() matches messages exactly, by regex, and with the API prefix", () => {
  const e = ev("eval instant at 0 m\n  expect fail msg: boom\n");
  assertEquals(checkExpectedFailure(e, "boom"), undefined);
  assertEquals(checkExpectedFailure(e, 'invalid parameter "query": boom'), undefined);
  assert(checkExpectedFailure(e, "boom!") !== undefined);
  const r = ev("eval instant at 0 m\n  expect fail regex: bo+m\n");
  assertEquals(checkExpectedFailure(r, "a boooom here"), undefined);
  const legacy = ev("eval_fail instant at 0 m\n  expected_fail_regexp ^x$\n");
  assert(checkExpectedFailure(legacy, "y") !== undefined);
});

Deno.test("histogramsMatch() compares compacted buckets with tolerance and the hint only when set", () => {
  const base = {
    schema: 0,
    zeroThreshold: 0.001,
    zeroCount: 1,
    count: 5,
    sum: 10,
    positiveSpans: [{ offset: 0, length: 3 }],
    positiveBuckets: [1, 0, 3],
    negativeSpans: [],
    negativeBuckets: [],
    counterResetHint: "unknown" as const,
  };
  const compacted = {
    ...base,
    positiveSpans: [{ offset: 0, length: 1 }, { offset: 1, length: 1 }],
    positiveBuckets: [1, 3 + 1e-9],
    counterResetHint: "gauge" as const,
  };
  assert(histogramsMatch(base, compacted, false));
  assert(!histogramsMatch(base, compacted, true), "explicit hint must match");
  assert(!histogramsMatch(base, { ...compacted, positiveBuckets: [1, 4] }, false));
  assert(!histogramsMatch(base, { ...compacted, schema: 1 }, false));
  assert(
    !histogramsMatch(base, { ...compacted, positiveSpans: [{ offset: 1, length: 2 }] }, false),
  );
});
