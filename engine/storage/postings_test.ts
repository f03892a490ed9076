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
  const sel = (...m: Matcher[]) => Array.from(p.select(m));
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
  assertEquals(Array.from(p.select([new Matcher("=", "env", "prod")])), []);
  assertEquals(Array.from(p.all()), [2, 3, 4]);
  assertEquals(p.labelNames(), ["__name__", "env", "job"]);
});

Deno.test("MemPostings keeps exact sorted lists through inserts and deletes in any order", () => {
  const p = new MemPostings();
  const model = new Map<string, Set<number>>();
  let seed = 7;
  const rnd = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
  const labelsOf = (id: number) => labelsFromRecord({ v: String(id % 5), u: String(id % 70) });
  const live = new Set<number>();
  for (let step = 0; step < 3000; step++) {
    const id = 1 + rnd(400);
    if (live.has(id) && rnd(3) === 0) {
      p.delete(id, labelsOf(id));
      live.delete(id);
    } else if (!live.has(id)) {
      p.add(id, labelsOf(id));
      live.add(id);
    }
  }
  for (const id of live) {
    for (const l of labelsOf(id)) {
      const k = `${l.name}=${l.value}`;
      if (!model.has(k)) model.set(k, new Set());
      model.get(k)!.add(id);
    }
  }
  const sorted = (s: Iterable<number>) => [...s].sort((a, b) => a - b);
  assertEquals(Array.from(p.all()), sorted(live));
  for (const name of ["u", "v"]) {
    const values = p.values(name)!;
    let n = 0;
    for (const [value, ids] of values) {
      assertEquals(Array.from(ids), sorted(model.get(`${name}=${value}`)!), `${name}=${value}`);
      assertEquals(Array.from(p.get(name, value)), Array.from(ids));
      n++;
    }
    assertEquals(n, [...model.keys()].filter((k) => k.startsWith(name + "=")).length);
    assertEquals(p.valueCount(name), n);
  }
  assertEquals(
    Array.from(p.select([new Matcher("=~", "u", "1.*")])),
    sorted([...live].filter((id) => String(id % 70).startsWith("1"))),
  );
});

Deno.test("MemPostings.select() returns a copy the caller may change", () => {
  const p = new MemPostings();
  for (let id = 1; id <= 100; id++) {
    p.add(id, labelsFromRecord({ __name__: "m", k: String(id % 2) }));
  }
  for (const ms of [[new Matcher("=", "__name__", "m")], [new Matcher("=", "k", "1")], []]) {
    const first = p.select(ms);
    const want = Array.from(first);
    first[0] = 999;
    assertEquals(Array.from(p.select(ms)), want);
  }
});

Deno.test("MemPostings.deleteMany() leaves the same index as deleting one by one", () => {
  const labelsOf = (id: number) =>
    labelsFromRecord(
      id % 11 === 0
        ? { __name__: "rare", only: String(id) }
        : { __name__: "m", v: String(id % 5), u: String(id % 70) },
    );
  for (const removed of [10, 300]) { // below and above the bulk threshold
    const one = new MemPostings(), many = new MemPostings();
    for (let id = 1; id <= 1000; id++) {
      one.add(id, labelsOf(id));
      many.add(id, labelsOf(id));
    }
    // Every third id from a random start, plus all "rare" ones among them.
    const ids: number[] = [];
    for (let id = 1 + (removed % 3); ids.length < removed; id += 3) ids.push(id);
    for (const id of ids) one.delete(id, labelsOf(id));
    many.deleteMany(ids, ids.map(labelsOf));
    assertEquals(Array.from(many.all()), Array.from(one.all()));
    assertEquals(many.labelNames(), one.labelNames());
    for (const name of one.labelNames()) {
      const a = one.values(name)!, b = many.values(name)!;
      assertEquals([...b.keys()].sort(), [...a.keys()].sort(), name);
      for (const [value, list] of a) assertEquals(Array.from(b.get(value)!), Array.from(list));
    }
    const sel = [new Matcher("=", "__name__", "m"), new Matcher("!=", "v", "1")];
    assertEquals(Array.from(many.select(sel)), Array.from(one.select(sel)));
  }
});
