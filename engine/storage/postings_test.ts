import { assertEquals } from "../../tests/assert.ts";
import { labelsFromRecord } from "../model/labels.ts";
import { Matcher } from "../model/matcher.ts";
import { intersectPostings, MemPostings, mergePostings, subtractPostings } from "./postings.ts";

Deno.test("intersect, merge and subtract work on sorted id lists", () => {
  assertEquals(intersectPostings([1, 3, 5, 7], [2, 3, 7, 9]), [3, 7]);
  assertEquals(mergePostings([[1, 4], [2, 4, 6], [], [0, 9]]), [0, 1, 2, 4, 6, 9]);
  assertEquals(subtractPostings([1, 2, 3, 4, 5], [2, 4, 6]), [1, 3, 5]);
  assertEquals(mergePostings([]), []);
});

function index(): MemPostings {
  const p = new MemPostings();
  p.add(1, labelsFromRecord({ __name__: "up", job: "a", env: "prod" }));
  p.add(2, labelsFromRecord({ __name__: "up", job: "b" }));
  p.add(3, labelsFromRecord({ __name__: "up", job: "ab", env: "dev" }));
  p.add(4, labelsFromRecord({ __name__: "x", job: "a" }));
  return p;
}

Deno.test("MemPostings.select() applies Prometheus matcher semantics", () => {
  const p = index();
  const sel = (...m: Matcher[]) => p.select(m);
  assertEquals(sel(new Matcher("=", "__name__", "up")), [1, 2, 3]);
  assertEquals(sel(new Matcher("=~", "job", "a")), [1, 4]); // anchored: not "ab"
  assertEquals(sel(new Matcher("=~", "job", "a.*")), [1, 3, 4]);
  // != and !~ include series without the label.
  assertEquals(sel(new Matcher("!=", "env", "prod")), [2, 3, 4]);
  assertEquals(sel(new Matcher("!~", "env", "p.*")), [2, 3, 4]);
  // = "" selects series without the label.
  assertEquals(sel(new Matcher("=", "env", "")), [2, 4]);
  // =~ matching empty keeps series without the label.
  assertEquals(sel(new Matcher("=~", "env", "dev|")), [2, 3, 4]);
  assertEquals(sel(new Matcher("!=", "env", "")), [1, 3]);
  assertEquals(sel(new Matcher("=", "__name__", "up"), new Matcher("!=", "job", "a")), [2, 3]);
  assertEquals(sel(new Matcher("=", "nope", "x")), []);
  assertEquals(sel(), [1, 2, 3, 4]);
});

Deno.test("MemPostings.delete() removes a series from every list", () => {
  const p = index();
  p.delete(1, labelsFromRecord({ __name__: "up", job: "a", env: "prod" }));
  assertEquals(p.select([new Matcher("=", "env", "prod")]), []);
  assertEquals(p.all(), [2, 3, 4]);
  assertEquals(p.labelNames(), ["__name__", "env", "job"]);
});
