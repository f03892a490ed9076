import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { labelsFromRecord, labelsKey } from "../model/mod.ts";
import type { VectorMatching } from "./parser/mod.ts";
import { Annotations } from "./annotations.ts";
import {
  signatureFn,
  vectorAnd,
  vectorBinop,
  vectorOr,
  vectorScalarBinop,
  vectorUnless,
} from "./binary.ts";
import { QueryExecutionError } from "./errors.ts";
import type { Matrix, Sample, Vector } from "./value.ts";
import { setOpColumnar } from "./binary_columnar.ts";

const POS = { start: 0, end: 1 };

function smp(rec: Record<string, string>, f: number): Sample {
  return { metric: labelsFromRecord(rec), t: 0, f, h: undefined, dropName: false };
}

function simple(v: Vector): [Record<string, string>, number][] {
  return v.map((s) => [Object.fromEntries(s.metric.map((l) => [l.name, l.value])), s.f]);
}

function matching(p: Partial<VectorMatching>): VectorMatching {
  return { card: "one-to-one", matchingLabels: [], on: false, include: [], fillValues: {}, ...p };
}

Deno.test("vectorBinop() matches one-to-one ignoring the metric name and drops it", () => {
  const m = matching({});
  const l = [smp({ __name__: "a", job: "x" }, 6), smp({ __name__: "a", job: "y" }, 1)];
  const r = [smp({ __name__: "b", job: "x" }, 3)];
  const out = vectorBinop("/", l, r, m, false, signatureFn(m), new Annotations(), POS);
  assertEquals(simple(out), [[{ job: "x" }, 2]]);
});

Deno.test("vectorBinop() with group_left copies the included labels from the one side", () => {
  const m = matching({ card: "many-to-one", on: true, matchingLabels: ["job"], include: ["team"] });
  const l = [
    smp({ __name__: "a", job: "x", i: "1" }, 1),
    smp({ __name__: "a", job: "x", i: "2" }, 2),
  ];
  const r = [smp({ __name__: "info", job: "x", team: "t" }, 10)];
  const out = vectorBinop("*", l, r, m, false, signatureFn(m), new Annotations(), POS);
  assertEquals(simple(out), [[{ i: "1", job: "x", team: "t" }, 10], [{
    i: "2",
    job: "x",
    team: "t",
  }, 20]]);
});

Deno.test("vectorBinop() rejects a many-to-one match without group_left", () => {
  const m = matching({ on: true, matchingLabels: ["job"] });
  const l = [smp({ job: "x", i: "1" }, 1), smp({ job: "x", i: "2" }, 2)];
  const r = [smp({ job: "x" }, 1)];
  assertThrows(
    () => vectorBinop("+", l, r, m, false, signatureFn(m), new Annotations(), POS),
    QueryExecutionError,
    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
  );
});

Deno.test("vectorBinop() fills missing sides with fill values", () => {
  const m = matching({ fillValues: { lhs: 0, rhs: 100 } });
  const l = [smp({ job: "x" }, 1)];
  const r = [smp({ job: "y" }, 2)];
  const out = vectorBinop("+", l, r, m, false, signatureFn(m), new Annotations(), POS);
  assertEquals(simple(out), [[{ job: "x" }, 101], [{ job: "y" }, 2]]);
});

Deno.test("comparisons filter, and bool turns them into 0/1", () => {
  const v = [smp({ a: "1" }, 1), smp({ a: "2" }, 5)];
  const a = new Annotations();
  assertEquals(simple(vectorScalarBinop(">", v, 2, false, false, a, POS)), [[{ a: "2" }, 5]]);
  assertEquals(simple(vectorScalarBinop(">", v, 2, false, true, a, POS)), [[{ a: "1" }, 0], [{
    a: "2",
  }, 1]]);
  // Scalar on the left keeps the vector's value.
  assertEquals(simple(vectorScalarBinop("<", v, 2, true, false, a, POS)), [[{ a: "2" }, 5]]);
});

Deno.test("set operators match on the signature", () => {
  const m = matching({ card: "many-to-many", on: true, matchingLabels: ["job"] });
  const sig = signatureFn(m);
  const l = [smp({ job: "x", i: "1" }, 1), smp({ job: "y", i: "1" }, 2)];
  const r = [smp({ job: "x", i: "9" }, 3), smp({ job: "z" }, 4)];
  assertEquals(simple(vectorAnd(l, r, sig)), [[{ i: "1", job: "x" }, 1]]);
  assertEquals(simple(vectorUnless(l, r, sig)), [[{ i: "1", job: "y" }, 2]]);
  assertEquals(simple(vectorOr(l, r, sig)).length, 3);
});

Deno.test("columnar set operators agree with the per-step ones", () => {
  const m = matching({ card: "many-to-many", on: true, matchingLabels: ["job"] });
  const sig = signatureFn(m);
  const mk = (name: string, n: number, seed: number): Matrix =>
    Array.from({ length: n }, (_, i) => {
      const fT: number[] = [], fV: number[] = [];
      for (let k = 0; k < 8; k++) {
        if ((k * 7 + i * 3 + seed) % 5 < 3) {
          fT.push(k * 10);
          fV.push(i + k);
        }
      }
      return {
        metric: labelsFromRecord({ __name__: name, job: `j${i % 3}`, i: String(i) }),
        fT,
        fV,
        hT: [],
        hV: [],
        dropName: false,
      };
    });
  const l = mk("a", 5, 1), r = mk("b", 4, 2);
  const at = (mat: Matrix, t: number): Vector =>
    mat.flatMap((s) => {
      const i = s.fT.indexOf(t);
      return i < 0 ? [] : [{ metric: s.metric, t, f: s.fV[i], h: undefined, dropName: false }];
    });
  const key = (v: Vector) => v.map((s) => `${labelsKey(s.metric)}=${s.f}`).sort();
  for (const [op, f] of [["and", vectorAnd], ["or", vectorOr], ["unless", vectorUnless]] as const) {
    const col = setOpColumnar(op, l, r, sig, labelsKey);
    for (let k = 0; k < 8; k++) {
      assertEquals(key(at(col, k * 10)), key(f(at(l, k * 10), at(r, k * 10), sig)), `${op} @${k}`);
    }
  }
});
