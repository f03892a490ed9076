import { assert, assertEquals } from "../../tests/assert.ts";
import type { Labels } from "../model/labels.ts";
import { labelsCompare } from "../model/labels.ts";
import type { SeriesData } from "./querier.ts";
import { sortByLabels } from "./kv_querier.ts";

Deno.test("sortByLabels() orders series exactly as labelsCompare, prefixes and NULs included", () => {
  const sets: Record<string, string>[] = [
    { a: "1" },
    { a: "1", b: "2" },
    { a: "10" },
    { ab: "1" },
    { a: "", b: "x" },
    { a: "1\0", b: "2" },
    { a: "1", b: "2\0z" },
    { a: "1", ba: "0" },
    { __name__: "up", job: "x" },
    { __name__: "up", job: "x", le: "0.5" },
    { __name__: "up_total" },
    { a: "é" },
    { a: "z" },
  ];
  const series: SeriesData[] = sets.map((r) => ({
    labels: Object.entries(r).map(([name, value]) => ({ name, value })) as Labels,
    t: new Float64Array(0),
    v: new Float64Array(0),
  }));
  for (let round = 0; round < 3; round++) {
    const shuffled = series.slice().sort(() => Math.random() - 0.5);
    const want = shuffled.slice().sort((a, b) => labelsCompare(a.labels, b.labels));
    assertEquals(sortByLabels(shuffled).map((s) => s.labels), want.map((s) => s.labels));
  }
});

Deno.test("sortByLabels() reuses a remembered order only for the same label objects", () => {
  const mk = (job: string): SeriesData => ({
    labels: [{ name: "job", value: job }],
    t: new Float64Array(0),
    v: new Float64Array(0),
  });
  const owner = {};
  const [a, b, c] = [mk("a"), mk("b"), mk("c")];
  const jobs = (xs: SeriesData[]) => xs.map((s) => s.labels[0].value);
  assertEquals(jobs(sortByLabels([c, a, b], { owner, key: "k" })), ["a", "b", "c"]);
  assertEquals(jobs(sortByLabels([c, a, b], { owner, key: "k" })), ["a", "b", "c"]);
  // Same length, other objects: sorted afresh.
  assertEquals(jobs(sortByLabels([b, c, a], { owner, key: "k" })), ["a", "b", "c"]);
  assertEquals(jobs(sortByLabels([mk("z"), mk("y"), a], { owner, key: "k" })), ["a", "y", "z"]);
});

Deno.test("sortByLabels() reports equal label sets, also when it reuses a remembered order", () => {
  const mk = (job: string): SeriesData => ({
    labels: [{ name: "job", value: job }],
    t: new Float64Array(0),
    v: new Float64Array(0),
  });
  const owner = {};
  const [a, b, a2] = [mk("a"), mk("b"), mk("a")];
  for (let round = 0; round < 2; round++) {
    const found = { dups: false };
    sortByLabels([b, a, a2], { owner, key: "dup" }, found);
    assert(found.dups, `round ${round}: equal labels not reported`);
    const none = { dups: true };
    sortByLabels([b, a], { owner, key: "none" }, none);
    assert(!none.dups, `round ${round}: distinct labels reported equal`);
  }
});
