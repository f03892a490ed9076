import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { labelsFromRecord, STALE_NAN } from "../model/mod.ts";
import type { FloatHistogram } from "../model/mod.ts";
import { MemoryStorage } from "../storage/memory.ts";
import type { Querier } from "../storage/querier.ts";
import {
  Engine,
  PromQLParseError,
  QueryCanceledError,
  QueryExecutionError,
  QueryTimeoutError,
  QueryTooComplexError,
  QueryTypeError,
  TooManySamplesError,
} from "./mod.ts";

const M = 60_000;

function storage(): MemoryStorage {
  const s = new MemoryStorage();
  const add = (rec: Record<string, string>, vals: number[], stepMs = M) => {
    const l = labelsFromRecord(rec);
    vals.forEach((v, i) => s.add(l, i * stepMs, v));
  };
  add({ __name__: "http_requests_total", job: "api", instance: "a" }, [0, 10, 20, 30, 40, 50]);
  add({ __name__: "http_requests_total", job: "api", instance: "b" }, [0, 20, 40, 60, 80, 100]);
  add({ __name__: "http_requests_total", job: "db", instance: "a" }, [0, 1, 2, 3, 4, 5]);
  add({ __name__: "up", job: "api", instance: "a" }, [1, 1, 1, 1, 1, 1]);
  add({ __name__: "up", job: "db", instance: "a" }, [1, 0, 1, 0, 1, 0]);
  add({ __name__: "gauge" }, [5, 3, STALE_NAN]);
  return s;
}

function vectorOf(r: Awaited<ReturnType<Engine["instantQuery"]>>) {
  assert(r.value.type === "vector", `expected a vector, got ${r.value.type}`);
  return r.value.samples.map((s) => ({
    labels: Object.fromEntries(s.labels.map((l) => [l.name, l.value])),
    v: s.v,
  })).sort((a, b) => JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1);
}

Deno.test("instantQuery() sums rates by job and drops the metric name", async () => {
  const e = new Engine();
  const r = await e.instantQuery(storage(), "sum by (job) (rate(http_requests_total[5m]))", 5 * M);
  assertEquals(vectorOf(r), [
    { labels: { job: "api" }, v: (50 + 100) / 300 },
    { labels: { job: "db" }, v: 5 / 300 },
  ]);
});

Deno.test("instantQuery() looks back at most the lookback delta and stops at staleness markers", async () => {
  const e = new Engine();
  const s = storage();
  assertEquals(vectorOf(await e.instantQuery(s, "gauge", M + 30_000)), [
    { labels: { __name__: "gauge" }, v: 3 },
  ]);
  assertEquals(vectorOf(await e.instantQuery(s, "gauge", 2 * M)), []);
  // The window is left-open: (t - 5m, t]; the last samples are at 5m.
  assertEquals(vectorOf(await e.instantQuery(s, "up", 10 * M)).length, 0);
  assertEquals(vectorOf(await e.instantQuery(s, "up", 10 * M - 1)).length, 2);
});

Deno.test("rangeQuery() returns a matrix sorted by labels over every step", async () => {
  const e = new Engine();
  const r = await e.rangeQuery(storage(), "up", 0, 2 * M, M);
  assert(r.value.type === "matrix");
  assertEquals(r.value.series.length, 2);
  assertEquals(r.value.series[0].labels.find((l) => l.name === "job")?.value, "api");
  assertEquals(r.value.series[1].t, [0, M, 2 * M]);
  assertEquals(r.value.series[1].v, [1, 0, 1]);
  assertEquals(r.stats.totalQueryableSamplesPerStep, [2, 2, 2]);
  assertEquals(r.stats.totalQueryableSamples, 6);
});

Deno.test("binary operators match on labels and group_left copies labels", async () => {
  const e = new Engine();
  const r = await e.instantQuery(
    storage(),
    "http_requests_total * on (job, instance) group_left () up",
    5 * M,
  );
  assertEquals(vectorOf(r), [
    { labels: { instance: "a", job: "api" }, v: 50 },
    { labels: { instance: "a", job: "db" }, v: 0 },
  ]);
});

Deno.test("many-to-many matching fails with Prometheus's message", async () => {
  const e = new Engine();
  const err = await assertRejects(
    () => e.instantQuery(storage(), "up + on (instance) http_requests_total", 5 * M),
    QueryExecutionError,
  );
  assert(err.message.startsWith('found duplicate series for the match group {instance="a"}'));
});

Deno.test("scalar and string results have their own value types", async () => {
  const e = new Engine();
  const s = storage();
  assertEquals((await e.instantQuery(s, "1 + 2 * 3", 0)).value, { type: "scalar", t: 0, v: 7 });
  assertEquals((await e.instantQuery(s, '"hello"', 1000)).value, {
    type: "string",
    t: 1000,
    v: "hello",
  });
});

Deno.test("annotations carry the position of the offending expression", async () => {
  const e = new Engine();
  const r = await e.instantQuery(storage(), "rate(up[5m])", 5 * M);
  assertEquals(r.infos, [
    'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "up" (1:6)',
  ]);
  const q = await e.instantQuery(storage(), "quantile(2, up)", 5 * M);
  assertEquals(q.warnings, [
    "PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)",
  ]);
});

Deno.test("subqueries align their steps to multiples of the step", async () => {
  const e = new Engine();
  const r = await e.instantQuery(storage(), "up[3m:2m]", 5 * M + 30_000);
  assert(r.value.type === "matrix");
  assertEquals(r.value.series[0].t, [4 * M]);
});

Deno.test("the samples limit fails the query with Prometheus's message", async () => {
  const e = new Engine({ samplesMax: 3 });
  await assertRejects(
    () => e.rangeQuery(storage(), "up", 0, 5 * M, M),
    TooManySamplesError,
    "query processing would load too many samples into memory in query execution",
  );
});

Deno.test("an aborted signal cancels the query", async () => {
  const e = new Engine();
  const c = new AbortController();
  c.abort();
  await assertRejects(
    () => e.instantQuery(storage(), "up", 0, { signal: c.signal }),
    QueryCanceledError,
  );
});

Deno.test("a query past its deadline times out", async () => {
  const slow: Querier = {
    async select(m, h) {
      await new Promise((r) => setTimeout(r, 20));
      return storage().select(m, h);
    },
    labelNames: () => Promise.resolve([]),
    labelValues: () => Promise.resolve([]),
  };
  const e = new Engine({ timeoutMs: 5 });
  await assertRejects(
    () => e.instantQuery(slow, "up", 0),
    QueryTimeoutError,
    "query timed out in expression evaluation",
  );
});

Deno.test("nesting deeper than depthMax is rejected", async () => {
  const e = new Engine({ depthMax: 5 });
  await assertRejects(
    () => e.instantQuery(storage(), "((((((up))))))", 0),
    QueryTooComplexError,
  );
});

Deno.test("a range query over a range vector is rejected with Prometheus's message", async () => {
  const e = new Engine();
  await assertRejects(
    () => e.rangeQuery(storage(), "up[5m]", 0, M, M),
    QueryTypeError,
    'invalid expression type "range vector" for range query, must be Scalar or instant Vector',
  );
});

Deno.test("a syntax error is a PromQLParseError", async () => {
  const e = new Engine();
  await assertRejects(() => e.instantQuery(storage(), "sum(", 0), PromQLParseError);
});

Deno.test("native histograms are carried through selectors and histogram_count", async () => {
  const s = new MemoryStorage();
  const h: FloatHistogram = {
    schema: 0,
    zeroThreshold: 0.001,
    zeroCount: 1,
    count: 6,
    sum: 12,
    positiveSpans: [{ offset: 0, length: 2 }],
    positiveBuckets: [2, 3],
    negativeSpans: [],
    negativeBuckets: [],
    counterResetHint: "unknown",
  };
  s.addHistogram(labelsFromRecord({ __name__: "lat" }), 0, h);
  const e = new Engine();
  const r = await e.instantQuery(s, "lat", 0);
  assert(r.value.type === "vector");
  assertEquals(r.value.samples[0].h?.count, 6);
  assertEquals(vectorOf(await e.instantQuery(s, "histogram_count(lat)", 0)), [{
    labels: {},
    v: 6,
  }]);
  assertEquals(vectorOf(await e.instantQuery(s, "sum(lat)", 0)).length, 1);
  assertEquals(vectorOf(await e.instantQuery(s, "lat + 1", 0)), []);
});

Deno.test("info() adds data labels and loads only matching info series", async () => {
  const s = new MemoryStorage();
  s.add(labelsFromRecord({ __name__: "m", instance: "a", job: "j" }), 0, 1);
  s.add(labelsFromRecord({ __name__: "target_info", instance: "a", job: "j", k8s: "x" }), 0, 1);
  s.add(labelsFromRecord({ __name__: "target_info", instance: "b", job: "j", k8s: "y" }), 0, 1);
  const seen: string[] = [];
  const spy: Querier = {
    select: (m, h) => {
      seen.push(m.map((x) => x.toString()).join(","));
      return s.select(m, h);
    },
    labelNames: () => Promise.resolve([]),
    labelValues: () => Promise.resolve([]),
  };
  const r = await new Engine().instantQuery(spy, "info(m)", 0);
  assertEquals(vectorOf(r), [{
    labels: { __name__: "m", instance: "a", job: "j", k8s: "x" },
    v: 1,
  }]);
  assert(seen.some((x) => x.includes('instance=~"a"') && x.includes('__name__="target_info"')));
});

Deno.test("start_timestamp() fails clearly instead of answering an empty vector", async () => {
  await assertRejects(
    () => new Engine().instantQuery(storage(), "start_timestamp(http_requests_total)", 5 * M),
    QueryExecutionError,
    'function "start_timestamp" is not supported: start timestamps are not stored',
  );
});
