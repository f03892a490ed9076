import { assert, assertEquals, assertRejects } from "../../tests/assert.ts";
import { Matcher } from "../model/matcher.ts";
import type { FloatHistogram } from "../model/histogram.ts";
import { DuplicateSampleError, OutOfOrderSampleError } from "./errors.ts";
import { Tsdb } from "./tsdb.ts";
import { request, series } from "./test_util.ts";

const T0 = 1_700_000_000_000;

function h(count: number): FloatHistogram {
  return {
    schema: 1,
    zeroThreshold: 0.001,
    zeroCount: 1,
    count,
    sum: count * 1.5,
    positiveSpans: [{ offset: -1, length: 2 }],
    positiveBuckets: [count - 1, 0],
    negativeSpans: [],
    negativeBuckets: [],
    counterResetHint: "not_reset",
  };
}

Deno.test("metadata is stored once per distinct entry and read in the metadata API shape", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const meta = { metric: "http_requests_total", type: "counter", help: "Requests.", unit: "" };
  await ws.append({ series: [], metadata: [meta, meta] });
  await ws.append({ series: [], metadata: [meta, { ...meta, metric: "up", type: "gauge" }] });
  assertEquals(ws.metadata(), {
    http_requests_total: [{ type: "counter", help: "Requests.", unit: "" }],
    up: [{ type: "gauge", help: "Requests.", unit: "" }],
  });
  assertEquals(Object.keys(ws.metadata("up")), ["up"]);
  assertEquals(Object.keys(ws.metadata(undefined, 1)).length, 1);
  const stored = await kv.get(["w", "w", "tsdb", "meta", "http_requests_total"]);
  assertEquals((stored.value as unknown[]).length, 1);
  await db.close();
});

Deno.test("exemplars are returned per series within the time range", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const a = series({ __name__: "req", job: "a" }, [[T0, 1]]);
  a.exemplars.push({ labels: [{ name: "trace_id", value: "abc" }], value: 0.5, t: T0 });
  a.exemplars.push({ labels: [{ name: "trace_id", value: "def" }], value: 0.7, t: T0 + 1000 });
  const b = series({ __name__: "req", job: "b" }, [[T0, 1]]);
  b.exemplars.push({ labels: [{ name: "trace_id", value: "zzz" }], value: 2, t: T0 + 5000 });
  const res = await ws.append(request(a, b));
  assertEquals(res.exemplars, 3);
  const got = ws.exemplars([[new Matcher("=", "__name__", "req")]], T0, T0 + 1000);
  assertEquals(got.length, 1);
  assertEquals(got[0].seriesLabels, [{ name: "__name__", value: "req" }, {
    name: "job",
    value: "a",
  }]);
  assertEquals(got[0].exemplars.map((e) => e.value), [0.5, 0.7]);
  assertEquals(ws.exemplars([[new Matcher("=", "job", "b")]], 0, 2 * T0).length, 1);
  await db.close();
});

Deno.test("stats() reports series counts by metric name and label pair", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const ss = [];
  for (let i = 0; i < 5; i++) ss.push(series({ __name__: "a", i: String(i) }, [[T0, i]]));
  for (let i = 0; i < 2; i++) ss.push(series({ __name__: "b", i: String(i) }, [[T0 + 1, i]]));
  await ws.append(request(...ss));
  const st = ws.stats(2);
  assertEquals(st.numSeries, 7);
  assertEquals(st.minTime, T0);
  assertEquals(st.maxTime, T0 + 1);
  assertEquals(st.seriesCountByMetricName, [{ name: "a", value: 5 }, { name: "b", value: 2 }]);
  assertEquals(st.labelValueCountByLabelName, [{ name: "i", value: 5 }, {
    name: "__name__",
    value: 2,
  }]);
  assertEquals(st.seriesCountByLabelValuePair[0], { name: "__name__=a", value: 5 });
  await db.close();
});

Deno.test("native histograms are stored, read, deduplicated and windowed", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const m = { __name__: "lat" };
  const pts = [];
  for (let i = 0; i < 130; i++) pts.push({ t: T0 + i * 1000, h: h(i + 1) });
  const res = await ws.append(request(series(m, [], pts)));
  assertEquals(res.histograms, 130);
  await ws.append(request(series(m, [], [{ t: T0 + 129_000, h: h(130) }]))); // same value: no-op
  await assertRejects(
    () => ws.append(request(series(m, [], [{ t: T0 + 129_000, h: h(7) }]))),
    DuplicateSampleError,
  );
  await assertRejects(
    () => ws.append(request(series(m, [], [{ t: T0 + 129_000 - 600_001, h: h(7) }]))),
    OutOfOrderSampleError,
  );
  await ws.flush();
  const [s] = await ws.querier().select([new Matcher("=", "__name__", "lat")], {
    minT: T0 + 100_000,
    maxT: T0 + 125_000,
  });
  assertEquals(s.t.length, 0);
  assertEquals(Array.from(s.ht!), Array.from({ length: 26 }, (_, i) => T0 + (100 + i) * 1000));
  assertEquals(s.h![0], h(101));
  await db.close();
});

Deno.test("label names and values honour matchers and the time range", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  await ws.append(request(
    series({ __name__: "a", x: "1" }, [[T0, 1]]),
    series({ __name__: "b", y: "2" }, [[T0 + 3600_000, 1]]),
  ));
  const q = ws.querier();
  const all = { minT: 0, maxT: 2 * T0 };
  assertEquals(await q.labelNames([], all), ["__name__", "x", "y"]);
  assertEquals(await q.labelNames([new Matcher("=", "__name__", "b")], all), ["__name__", "y"]);
  assertEquals(await q.labelNames([], { minT: T0, maxT: T0 + 1 }), ["__name__", "x"]);
  assertEquals(await q.labelValues("__name__", [new Matcher("!=", "x", "1")], all), ["b"]);
  assert((await q.select([new Matcher("=", "__name__", "zzz")], all)).length === 0);
  await db.close();
});
