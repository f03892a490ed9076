import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { labelsFromRecord, Matcher } from "../model/mod.ts";
import { isStaleNaN, STALE_NAN } from "../model/value.ts";
import { MemoryStorage } from "./memory.ts";
import { oneBucketHistogram } from "./test_util.ts";

const all = { minT: -Infinity, maxT: Infinity };

Deno.test("MemoryStorage.select() returns matching series sorted by labels with samples in range", async () => {
  const s = new MemoryStorage();
  const b = labelsFromRecord({ __name__: "m", job: "b" });
  const a = labelsFromRecord({ __name__: "m", job: "a" });
  const o = labelsFromRecord({ __name__: "other" });
  for (let t = 0; t <= 100; t += 10) {
    s.add(b, t, t * 2);
    s.add(a, t, t);
    s.add(o, t, 1);
  }
  const got = await s.select([new Matcher("=", "__name__", "m")], { minT: 20, maxT: 50 });
  assertEquals(got.map((x) => x.labels), [a, b]);
  assertEquals(got[0].t, new Float64Array([20, 30, 40, 50]));
  assertEquals(got[1].v, new Float64Array([40, 60, 80, 100]));
});

Deno.test("MemoryStorage.select() treats an absent label as the empty string", async () => {
  const s = new MemoryStorage();
  s.add(labelsFromRecord({ __name__: "m", env: "prod" }), 0, 1);
  s.add(labelsFromRecord({ __name__: "m" }), 0, 2);
  const noEnv = await s.select([new Matcher("=", "env", "")], all);
  assertEquals(noEnv.map((x) => x.v[0]), [2]);
  const re = await s.select([new Matcher("=~", "env", "prod|")], all);
  assertEquals(re.length, 2);
  const ne = await s.select([new Matcher("!=", "env", "prod")], all);
  assertEquals(ne.map((x) => x.v[0]), [2]);
});

Deno.test("MemoryStorage.select() omits series without samples in range and keeps stale markers", async () => {
  const s = new MemoryStorage();
  const l = labelsFromRecord({ __name__: "m" });
  s.add(l, 0, 1);
  s.add(l, 10, STALE_NAN);
  assertEquals(await s.select([], { minT: 20, maxT: 30 }), []);
  const got = await s.select([], { minT: 0, maxT: 10 });
  assert(isStaleNaN(got[0].v[1]), "stale marker kept");
});

Deno.test("MemoryStorage.add() inserts out-of-order samples in place and replaces equal timestamps", async () => {
  const s = new MemoryStorage();
  const l = labelsFromRecord({ __name__: "m" });
  for (const t of [50, 10, 30, 20, 40, 60, 70, 80, 90, 0]) s.add(l, t, t);
  s.add(l, 30, -1);
  const [got] = await s.select([], all);
  assertEquals(got.t, new Float64Array([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]));
  assertEquals(got.v, new Float64Array([0, 10, 20, -1, 40, 50, 60, 70, 80, 90]));
});

Deno.test("MemoryStorage.select() returns arrays the caller may modify", async () => {
  const s = new MemoryStorage();
  const l = labelsFromRecord({ __name__: "m" });
  s.add(l, 0, 1);
  const [a] = await s.select([], all);
  a.v[0] = 99;
  const [b] = await s.select([], all);
  assertEquals(b.v[0], 1);
});

Deno.test("MemoryStorage carries histogram samples beside float samples", async () => {
  const s = new MemoryStorage();
  const l = labelsFromRecord({ __name__: "h" });
  s.addHistogram(l, 20, oneBucketHistogram(2));
  s.addHistogram(l, 0, oneBucketHistogram(0));
  s.addHistogram(l, 10, oneBucketHistogram(1));
  s.add(l, 30, 5);
  const [got] = await s.select([], { minT: 5, maxT: 30 });
  assertEquals(got.ht, new Float64Array([10, 20]));
  assertEquals(got.h!.map((h) => h.count), [1, 2]);
  assertEquals(got.t, new Float64Array([30]));
  const onlyHist = await s.select([], { minT: 0, maxT: 0 });
  assertEquals(onlyHist[0].t.length, 0);
  assertEquals(onlyHist[0].h!.length, 1);
});

Deno.test("MemoryStorage.labelNames() and labelValues() cover matching series in range", async () => {
  const s = new MemoryStorage();
  s.add(labelsFromRecord({ __name__: "a", job: "x", zone: "1" }), 0, 1);
  s.add(labelsFromRecord({ __name__: "b", job: "y" }), 100, 1);
  assertEquals(await s.labelNames([], all), ["__name__", "job", "zone"]);
  assertEquals(await s.labelNames([], { minT: 50, maxT: 150 }), ["__name__", "job"]);
  assertEquals(await s.labelValues("job", [], all), ["x", "y"]);
  assertEquals(await s.labelValues("job", [new Matcher("=", "__name__", "a")], all), ["x"]);
});

Deno.test("MemoryStorage.clear() and deleteSeries() drop data", async () => {
  const s = new MemoryStorage();
  const l = labelsFromRecord({ __name__: "m" });
  s.add(l, 0, 1);
  s.add(labelsFromRecord({ __name__: "n" }), 0, 1);
  assert(s.deleteSeries(l));
  assertEquals((await s.select([], all)).length, 1);
  s.clear();
  assertEquals(await s.select([], all), []);
  assertEquals(s.seriesCount, 0);
});

Deno.test("MemoryStorage.add() rejects unsorted labels and fractional timestamps", () => {
  const s = new MemoryStorage();
  assertThrows(
    () => s.add([{ name: "b", value: "1" }, { name: "a", value: "2" }], 0, 1),
    Error,
    "BUG",
  );
  assertThrows(() => s.add(labelsFromRecord({ a: "1" }), 0.5, 1), Error, "BUG");
});

Deno.test("MemoryStorage's metric-name index follows added and deleted series", async () => {
  const s = new MemoryStorage();
  const name = [new Matcher("=", "__name__", "m")];
  s.add(labelsFromRecord({ __name__: "m", i: "2" }), 0, 2);
  assertEquals((await s.select(name, all)).length, 1);
  s.add(labelsFromRecord({ __name__: "m", i: "1" }), 0, 1);
  s.add(labelsFromRecord({ __name__: "n", i: "1" }), 0, 3);
  assertEquals((await s.select(name, all)).map((x) => x.v[0]), [1, 2]);
  s.deleteSeries(labelsFromRecord({ __name__: "m", i: "1" }));
  assertEquals((await s.select(name, all)).map((x) => x.v[0]), [2]);
  assertEquals((await s.select([new Matcher("=", "__name__", "zzz")], all)).length, 0);
});

Deno.test("MemoryStorage.select() reports histogram counter-reset hints as a TSDB does", async () => {
  const s = new MemoryStorage();
  const l = labelsFromRecord({ __name__: "h" });
  s.addHistogram(l, 0, oneBucketHistogram(1));
  s.addHistogram(l, 10, oneBucketHistogram(2));
  s.addHistogram(l, 20, oneBucketHistogram(1));
  const [got] = await s.select([], all);
  assertEquals(got.h!.map((h) => h.counterResetHint), ["unknown", "not_reset", "unknown"]);
  const [again] = await s.select([], all);
  assertEquals(again.h![1].counterResetHint, "not_reset", "stored histograms stay unchanged");
});
