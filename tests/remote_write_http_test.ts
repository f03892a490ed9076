/**
 * Remote write at the HTTP level, through the whole service (`app.request()`): bad input gets the
 * right status and text and changes nothing; special values, out-of-order and duplicate rules;
 * remote write 2.0 with its written-count headers; metadata; tenant isolation and workspace
 * deletion; the ingestion rate limit; HA-pair dedup.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { assert, assertEquals } from "./assert.ts";
import { type TestService, testService } from "./harness.ts";
import { encodeWrite, RW1_HEADERS, type TestSeries } from "./rw_client.ts";
import { WriteRequestSchema } from "../engine/ingest/gen/prometheus/remote_pb.ts";
import {
  Metadata_MetricType,
  RequestSchema,
} from "../engine/ingest/gen/io/prometheus/write/v2/types_pb.ts";
import { snappyDecode, snappyEncode } from "../engine/ingest/mod.ts";

// deno-lint-ignore no-explicit-any -- parsed JSON of any shape
type Json = any;

/** Base time of the fixed-time tests (sample age check disabled), ms. */
const T0 = 1_700_000_000_000;
/** An evaluation time (s) after every fixed-time sample. */
const EVAL = T0 / 1000 + 3000;

const QUIET = { PROMENADE_METADATA_TPS: "100000", PROMENADE_QUERY_TPS: "100000" };

const V2_HEADERS: Record<string, string> = {
  "content-type": "application/x-protobuf;proto=io.prometheus.write.v2.Request",
  "content-encoding": "snappy",
  "x-prometheus-remote-write-version": "2.0.0",
};

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

async function post(
  s: TestService,
  path: string,
  body: Uint8Array,
  headers: Record<string, string> = RW1_HEADERS,
): Promise<Answer> {
  const res = await s.app.request(path, {
    method: "POST",
    headers,
    body: body as Uint8Array<ArrayBuffer>,
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function get(s: TestService, path: string): Promise<Json> {
  const r = await s.call("GET", path);
  assertEquals(r.status, 200, `GET ${path}: ${JSON.stringify(r.json)}`);
  return r.json.data;
}

async function workspace(s: TestService, alias: string): Promise<string> {
  const r = await s.call("POST", "/workspaces", { alias });
  assertEquals(r.status, 202);
  await s.service.workspaces.idle();
  return r.json.workspaceId;
}

const rwPath = (ws: string) => `/workspaces/${ws}/api/v1/remote_write`;
const apiPath = (ws: string) => ws === "" ? "/api/v1" : `/workspaces/${ws}/api/v1`;

/** Everything a workspace shows through the API: series, samples, label names, metadata. */
async function snapshot(s: TestService, ws: string, evalSec = EVAL): Promise<Json> {
  const base = apiPath(ws);
  const all = encodeURIComponent('{__name__=~".+"}');
  return {
    series: await get(s, `${base}/series?match[]=${all}`),
    labels: await get(s, `${base}/labels`),
    names: await get(s, `${base}/label/__name__/values`),
    samples: await get(
      s,
      `${base}/query?query=${encodeURIComponent(`${decodeURIComponent(all)}[2h]`)}&time=${evalSec}`,
    ),
    metadata: await get(s, `${base}/metadata`),
  };
}

/** A 1.0 body with labels in the given order (duplicates allowed), for invalid-label cases. */
function rawWrite(
  series: { labels: [string, string][]; samples: [number, number][] }[],
): Uint8Array {
  const req = create(WriteRequestSchema, {
    timeseries: series.map((s) => ({
      labels: s.labels.map(([name, value]) => ({ name, value })),
      samples: s.samples.map(([t, v]) => ({ timestamp: BigInt(t), value: v })),
    })),
  });
  return snappyEncode(toBinary(WriteRequestSchema, req));
}

/**
 * A stand-in value for the staleness marker: JS engines may quiet or canonicalise a NaN's payload
 * when it passes through arrays and objects (protobuf-es messages), so bodies are built with this
 * value and `withStaleMarkers` swaps in the marker's exact bytes afterwards.
 */
const MARKER = 1234.5678125;

/** Replaces every little-endian MARKER double in an (uncompressed-then-snappy) body. */
function withStaleMarkers(snappyBody: Uint8Array): Uint8Array {
  const raw = snappyDecode(snappyBody, 1 << 24);
  const find = new Uint8Array(new Float64Array([MARKER]).buffer);
  const stale = new Uint8Array(8);
  new DataView(stale.buffer).setBigUint64(0, 0x7ff0000000000002n, true);
  let n = 0;
  for (let i = 0; i + 8 <= raw.length; i++) {
    if (find.every((b, k) => raw[i + k] === b)) {
      raw.set(stale, i);
      n++;
    }
  }
  assert(n > 0, "no marker placeholder found");
  return snappyEncode(raw);
}

const GOOD: TestSeries = { labels: { __name__: "good", job: "j" }, samples: [[T0 + 500_000, 1]] };

/** Asserts that writing `body` gets `status` and `text` and leaves the workspace unchanged. */
async function rejects(
  s: TestService,
  ws: string,
  body: Uint8Array,
  status: number,
  text: string | RegExp,
  headers: Record<string, string> = RW1_HEADERS,
): Promise<Answer> {
  const before = await snapshot(s, ws);
  const a = await post(s, rwPath(ws), body, headers);
  assertEquals(a.status, status, `answer: ${a.text}`);
  if (typeof text === "string") assertEquals(a.text, text);
  else assert(text.test(a.text), `text ${JSON.stringify(a.text)} does not match ${text}`);
  assertEquals(await snapshot(s, ws), before, "a rejected write changed the store");
  return a;
}

Deno.test("undecodable and unacceptable bodies are rejected with Prometheus's status and text", async () => {
  const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0", ...QUIET } });
  try {
    const ws = await workspace(s, "bad-input");
    assertEquals((await post(s, rwPath(ws), encodeWrite([GOOD]))).status, 200);
    const good = encodeWrite([GOOD, { labels: { __name__: "x" }, samples: [[T0, 2]] }]);

    // Truncated snappy block: the decoded length does not match the header.
    await rejects(s, ws, good.slice(0, good.length - 5), 400, "snappy: corrupt input\n");
    // Corrupt snappy: a copy element that points before the start of the output.
    const corrupt = Uint8Array.of(0x10, 0x01, 0xff, 0xff, 0xff, 0xff);
    await rejects(s, ws, corrupt, 400, "snappy: corrupt input\n");
    // A length header that lies (claims more than the block holds).
    const lying = good.slice();
    lying[0] = lying[0] + 7;
    await rejects(s, ws, lying, 400, "snappy: corrupt input\n");
    // A length header beyond the decompressed limit.
    await rejects(
      s,
      ws,
      Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0x00),
      400,
      "received message larger than max (4294967295 vs 16777216)\n",
    );
    // Valid snappy around a malformed protobuf (field 1, length 100, 2 bytes of payload).
    await rejects(s, ws, snappyEncode(Uint8Array.of(0x0a, 100, 1, 2)), 400, /^proto: /);
    // Wire type 7 does not exist.
    await rejects(s, ws, snappyEncode(Uint8Array.of(0x0f, 0x00)), 400, /^proto: /);

    // An empty body is not a snappy block; an empty request is fine and stores nothing.
    await rejects(s, ws, new Uint8Array(0), 400, "snappy: corrupt input\n");
    const before = await snapshot(s, ws);
    const empty = await post(s, rwPath(ws), snappyEncode(new Uint8Array(0)));
    assertEquals([empty.status, empty.text], [200, ""]);
    assertEquals(await snapshot(s, ws), before);

    // No Content-Type and no Content-Encoding: a 1.0 client from before negotiation.
    const bare = await post(s, rwPath(ws), encodeWrite([GOOD]), {});
    assertEquals([bare.status, bare.text], [200, ""]);

    // Content type and encoding.
    await rejects(
      s,
      ws,
      good,
      415,
      "expected application/x-protobuf as the first (media) part, got text/plain content-type\n",
      { "content-type": "text/plain", "content-encoding": "snappy" },
    );
    await rejects(
      s,
      ws,
      good,
      415,
      "gzip encoding (compression) is not accepted by this server; only snappy is acceptable\n",
      { "content-type": "application/x-protobuf", "content-encoding": "gzip" },
    );
    await rejects(
      s,
      ws,
      good,
      415,
      "got application/x-protobuf;proto=foo.Bar content type; unknown remote write protobuf message foo.Bar, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request\n",
      { "content-type": "application/x-protobuf;proto=foo.Bar", "content-encoding": "snappy" },
    );

    // More than 1 MiB of body (AMP request size quota).
    const big = new Uint8Array(1024 * 1024 + 1);
    await rejects(s, ws, big, 400, "received message larger than max (1048577 vs 1048576)\n");
    // Streamed without a content length.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(256 * 1024));
        c.close();
      },
    });
    const res = await s.app.request(rwPath(ws), {
      method: "POST",
      headers: RW1_HEADERS,
      body: stream,
      // @ts-ignore: Deno needs duplex for streamed request bodies
      duplex: "half",
    });
    assertEquals(res.status, 400);
    assert((await res.text()).startsWith("received message larger than max ("));
  } finally {
    await s.close();
  }
});

Deno.test("invalid labels reject the whole request with Cortex's text", async () => {
  const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0", ...QUIET } });
  try {
    const ws = await workspace(s, "labels");
    assertEquals((await post(s, rwPath(ws), encodeWrite([GOOD]))).status, 200);
    const ok: { labels: [string, string][]; samples: [number, number][] } = {
      labels: [["__name__", "fine"]],
      samples: [[T0 + 1, 1]],
    };
    await rejects(
      s,
      ws,
      rawWrite([ok, { labels: [["job", "x"]], samples: [[T0, 1]] }]),
      400,
      "sample missing metric name\n",
    );
    await rejects(
      s,
      ws,
      rawWrite([ok, { labels: [["__name__", "m"], ["bad-name", "x"]], samples: [[T0, 1]] }]),
      400,
      'sample invalid label: "bad-name" metric "m{bad-name=\\"x\\"}"\n',
    );
    await rejects(
      s,
      ws,
      rawWrite([ok, { labels: [["__name__", "1m"]], samples: [[T0, 1]] }]),
      400,
      'sample invalid metric name: "1m"\n',
    );
    await rejects(
      s,
      ws,
      rawWrite([ok, {
        labels: [["__name__", "m"], ["a", "1"], ["a", "2"]],
        samples: [[T0, 1]],
      }]),
      400,
      'duplicate label name: "a" metric "m{a=\\"1\\", a=\\"2\\"}"\n',
    );
    const many: [string, string][] = [["__name__", "m"]];
    for (let i = 0; i < 150; i++) many.push([`l${String(i).padStart(3, "0")}`, "v"]);
    const listed = many.slice(1).map(([n, v]) => `${n}="${v}"`).join(", ");
    await rejects(
      s,
      ws,
      rawWrite([ok, { labels: many, samples: [[T0, 1]] }]),
      400,
      `series has too many labels (actual: 151, limit: 150) series: 'm{${listed}}'\n`,
    );
    // 150 labels are fine.
    const a = await post(
      s,
      rwPath(ws),
      rawWrite([{ labels: many.slice(0, 150), samples: [[T0, 1]] }]),
    );
    assertEquals(a.status, 200, a.text);
  } finally {
    await s.close();
  }
});

Deno.test("NaN, infinities and staleness markers are stored as Prometheus stores them", async () => {
  const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0", ...QUIET } });
  try {
    const ws = await workspace(s, "special");
    const t = T0 + 100_000;
    const body = withStaleMarkers(encodeWrite([
      { labels: { __name__: "special", k: "nan" }, samples: [[t, NaN], [t + 1000, 1]] },
      {
        labels: { __name__: "special", k: "inf" },
        samples: [[t, Infinity], [t + 1000, -Infinity]],
      },
      { labels: { __name__: "special", k: "stale" }, samples: [[t, 5], [t + 10_000, MARKER]] },
    ]));
    const a = await post(s, rwPath(ws), body);
    assertEquals(a.status, 200, a.text);
    const base = apiPath(ws);
    const q = (query: string, sec: number) =>
      get(s, `${base}/query?query=${encodeURIComponent(query)}&time=${sec}`);
    const range = await q("special[1m]", (t + 20_000) / 1000);
    const byK = Object.fromEntries(range.result.map((r: Json) => [r.metric.k, r.values]));
    assertEquals(byK.nan, [[t / 1000, "NaN"], [(t + 1000) / 1000, "1"]]);
    assertEquals(byK.inf, [[t / 1000, "+Inf"], [(t + 1000) / 1000, "-Inf"]]);
    // A range vector leaves the staleness marker out.
    assertEquals(byK.stale, [[t / 1000, "5"]]);
    // Instant queries: before the marker the value is there, from the marker on it is gone.
    const before = await q('special{k="stale"}', (t + 5000) / 1000);
    assertEquals(before.result.map((r: Json) => r.value), [[(t + 5000) / 1000, "5"]]);
    const after = await q('special{k="stale"}', (t + 10_000) / 1000);
    assertEquals(after.result, []);
    const nan = await q('special{k="nan"}', t / 1000);
    assertEquals(nan.result[0].value, [t / 1000, "NaN"]);
  } finally {
    await s.close();
  }
});

Deno.test("too old, out-of-order and conflicting duplicate samples are refused and change nothing", async () => {
  const s = await testService({ env: QUIET });
  try {
    const ws = await workspace(s, "order");
    const now = Date.now();
    const evalSec = Math.ceil(now / 1000) + 60;
    const rej = async (body: Uint8Array, status: number, text: string) => {
      const before = await snapshot(s, ws, evalSec);
      const a = await post(s, rwPath(ws), body);
      assertEquals([a.status, a.text], [status, text]);
      assertEquals(await snapshot(s, ws, evalSec), before, "a rejected write changed the store");
    };
    const m = (samples: [number, number][]) => ({
      labels: { __name__: "ord", job: "j" },
      samples,
    });
    assertEquals((await post(s, rwPath(ws), encodeWrite([m([[now, 1]])]))).status, 200);

    // Older than the 1 h sample age limit (AMP).
    const old = now - 3_600_000 - 60_000;
    await rej(
      encodeWrite([{ labels: { __name__: "other" }, samples: [[now, 1]] }, m([[old, 1]])]),
      400,
      `timestamp too old: ${old} metric: "ord"\n`,
    );
    // Every sample is checked, not just the first of a series.
    await rej(
      encodeWrite([{ labels: { __name__: "other" }, samples: [[now, 1], [old, 2]] }]),
      400,
      `timestamp too old: ${old} metric: "other"\n`,
    );
    // A later sample of the same series is fine; then one more than 600 s older is out of order.
    assertEquals((await post(s, rwPath(ws), encodeWrite([m([[now + 1000, 2]])]))).status, 200);
    const ooo = now + 1000 - 601_000;
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.?0*Z$/, "Z");
    await rej(
      encodeWrite([{ labels: { __name__: "other" }, samples: [[now, 1]] }, m([[ooo, 3]])]),
      400,
      `user=123456789012_${ws}: err: out of order sample. timestamp=${
        iso(ooo)
      }, series={__name__="ord", job="j"}\n`,
    );
    // Within the 600 s window an out-of-order sample is accepted.
    const inWindow = now + 1000 - 500_000;
    assertEquals((await post(s, rwPath(ws), encodeWrite([m([[inWindow, 4]])]))).status, 200);
    // Same timestamp, different value.
    await rej(
      encodeWrite([m([[now, 9]])]),
      400,
      `user=123456789012_${ws}: err: duplicate sample for timestamp. timestamp=${
        iso(now)
      }, series={__name__="ord", job="j"}\n`,
    );
    // The same conflict inside one request.
    const t2 = now + 2000;
    await rej(
      encodeWrite([m([[t2, 5], [t2, 6]])]),
      400,
      `user=123456789012_${ws}: err: duplicate sample for timestamp. timestamp=${
        iso(t2)
      }, series={__name__="ord", job="j"}\n`,
    );
    // Same timestamp and value again: accepted, stored once.
    assertEquals((await post(s, rwPath(ws), encodeWrite([m([[now, 1]])]))).status, 200);
    // And twice inside one request.
    const t3 = now + 3000;
    assertEquals((await post(s, rwPath(ws), encodeWrite([m([[t3, 7], [t3, 7]])]))).status, 200);
    const r = await get(s, `${apiPath(ws)}/query?query=ord[1h]&time=${evalSec}`);
    assertEquals(r.result.length, 1);
    assertEquals(r.result[0].values, [
      [inWindow / 1000, "4"],
      [now / 1000, "1"],
      [(now + 1000) / 1000, "2"],
      [t3 / 1000, "7"],
    ]);
  } finally {
    await s.close();
  }
});

Deno.test("remote write 2.0 is stored and answers with the written counts; metadata from 1.0 and 2.0 is served", async () => {
  const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0", ...QUIET } });
  try {
    const ws = await workspace(s, "v2");
    const symbols = ["", "__name__", "rw2_requests_total", "job", "api", "code", "200", "500"];
    symbols.push("Requests served.", "requests", "trace_id", "abc", "rw2_latency_seconds");
    const req = create(RequestSchema, {
      symbols,
      timeseries: [
        {
          labelsRefs: [1, 2, 3, 4, 5, 6],
          samples: [{ value: 1, timestamp: BigInt(T0) }, {
            value: 3,
            timestamp: BigInt(T0 + 15_000),
          }],
          exemplars: [{ labelsRefs: [10, 11], value: 1, timestamp: BigInt(T0) }],
          metadata: { type: Metadata_MetricType.COUNTER, helpRef: 8, unitRef: 9 },
        },
        {
          labelsRefs: [1, 2, 3, 4, 5, 7],
          samples: [{ value: 0.5, timestamp: BigInt(T0) }],
          metadata: { type: Metadata_MetricType.COUNTER, helpRef: 8, unitRef: 9 },
        },
        {
          // A native histogram: zero bucket 1, buckets (0.5,1] and (1,2] with 1 each.
          labelsRefs: [1, 12, 3, 4],
          histograms: [{
            count: { case: "countInt", value: 3n },
            sum: 1.5,
            schema: 0,
            zeroThreshold: 0.001,
            zeroCount: { case: "zeroCountInt", value: 1n },
            positiveSpans: [{ offset: 0, length: 2 }],
            positiveDeltas: [1n, 0n],
            timestamp: BigInt(T0),
          }],
        },
      ],
    });
    const a = await post(s, rwPath(ws), snappyEncode(toBinary(RequestSchema, req)), V2_HEADERS);
    assert(a.status >= 200 && a.status < 300, `status ${a.status}: ${a.text}`);
    assertEquals(a.headers.get("X-Prometheus-Remote-Write-Samples-Written"), "3");
    assertEquals(a.headers.get("X-Prometheus-Remote-Write-Histograms-Written"), "1");
    assertEquals(a.headers.get("X-Prometheus-Remote-Write-Exemplars-Written"), "1");
    const hq = async (q: string) =>
      (await get(s, `${apiPath(ws)}/query?query=${encodeURIComponent(q)}&time=${T0 / 1000}`))
        .result;
    assertEquals((await hq("histogram_count(rw2_latency_seconds)"))[0].value, [T0 / 1000, "3"]);
    assertEquals((await hq("histogram_sum(rw2_latency_seconds)"))[0].value, [T0 / 1000, "1.5"]);
    const hist = (await hq("rw2_latency_seconds"))[0].histogram[1];
    assertEquals([hist.count, hist.sum, hist.buckets.length], ["3", "1.5", 3]);
    const r = await get(s, `${apiPath(ws)}/query?query=rw2_requests_total[1h]&time=${EVAL}`);
    const byCode = Object.fromEntries(r.result.map((x: Json) => [x.metric.code, x]));
    assertEquals(byCode["200"].metric, { __name__: "rw2_requests_total", code: "200", job: "api" });
    assertEquals(byCode["200"].values, [[T0 / 1000, "1"], [(T0 + 15_000) / 1000, "3"]]);
    assertEquals(byCode["500"].values, [[T0 / 1000, "0.5"]]);
    const ex = await get(
      s,
      `${apiPath(ws)}/query_exemplars?query=rw2_requests_total&start=${T0 / 1000 - 1}&end=${EVAL}`,
    );
    assertEquals(ex.length, 1);
    assertEquals(ex[0].exemplars, [{
      labels: { trace_id: "abc" },
      value: "1",
      timestamp: T0 / 1000,
    }]);

    // 1.0 metadata.
    const md1 = encodeWrite([], [{
      metric: "rw1_temp",
      type: 2,
      help: "A gauge.",
      unit: "celsius",
    }]);
    assertEquals((await post(s, rwPath(ws), md1)).status, 200);
    assertEquals(await get(s, `${apiPath(ws)}/metadata`), {
      rw1_temp: [{ type: "gauge", help: "A gauge.", unit: "celsius" }],
      rw2_requests_total: [{ type: "counter", help: "Requests served.", unit: "requests" }],
    });
    // A 2.0 request rejected after decoding says it wrote nothing.
    const invalid = create(RequestSchema, {
      symbols: ["", "__name__", "rw2_requests_total", "bad-name", "x"],
      timeseries: [{ labelsRefs: [1, 2, 3, 4], samples: [{ value: 1, timestamp: BigInt(T0) }] }],
    });
    const inv = await rejects(
      s,
      ws,
      snappyEncode(toBinary(RequestSchema, invalid)),
      400,
      'sample invalid label: "bad-name" metric "rw2_requests_total{bad-name=\\"x\\"}"\n',
      V2_HEADERS,
    );
    assertEquals(inv.headers.get("X-Prometheus-Remote-Write-Samples-Written"), "0");
    assertEquals(inv.headers.get("X-Prometheus-Remote-Write-Histograms-Written"), "0");
    assertEquals(inv.headers.get("X-Prometheus-Remote-Write-Exemplars-Written"), "0");
    // A bad 2.0 body: a label ref past the symbol table.
    const bad = create(RequestSchema, {
      symbols: ["", "__name__", "x"],
      timeseries: [{ labelsRefs: [1, 9], samples: [{ value: 1, timestamp: BigInt(T0) }] }],
    });
    await rejects(s, ws, snappyEncode(toBinary(RequestSchema, bad)), 400, /^proto: /, V2_HEADERS);
  } finally {
    await s.close();
  }
});

Deno.test("workspaces are isolated, unknown ones are 404 and a deleted workspace's data is gone", async () => {
  const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0", ...QUIET } });
  try {
    const a = await workspace(s, "tenant-a");
    const b = await workspace(s, "tenant-b");
    const emptyB = await snapshot(s, b);
    const emptyDefault = await snapshot(s, "");
    assertEquals(emptyB.series, []);
    const body = encodeWrite(
      [{ labels: { __name__: "secret", tenant: "a" }, samples: [[T0, 42]] }],
      [{ metric: "secret", type: 2, help: "Only for A.", unit: "" }],
    );
    assertEquals((await post(s, rwPath(a), body)).status, 200);
    const seenA = await snapshot(s, a);
    assertEquals(seenA.series, [{ __name__: "secret", tenant: "a" }]);
    assertEquals(seenA.metadata, { secret: [{ type: "gauge", help: "Only for A.", unit: "" }] });
    assertEquals(await snapshot(s, b), emptyB);
    assertEquals(await snapshot(s, ""), emptyDefault);
    assertEquals(await get(s, `${apiPath(b)}/label/tenant/values`), []);
    // The default workspace's own path (Prometheus's /api/v1/write) stays separate too.
    const d = await post(
      s,
      "/api/v1/write",
      encodeWrite([{ labels: { __name__: "dflt" }, samples: [[T0, 1]] }]),
    );
    assertEquals(d.status, 204);
    assertEquals((await snapshot(s, a)).series, seenA.series);
    assertEquals((await snapshot(s, "")).series, [{ __name__: "dflt" }]);

    // Unknown workspace.
    const unknown = "ws-00000000-0000-0000-0000-000000000000";
    const u = await post(s, rwPath(unknown), body);
    assertEquals([u.status, u.text], [404, `workspace ${unknown} not found\n`]);
    assertEquals((await s.call("GET", `${apiPath(unknown)}/query?query=up`)).status, 404);

    // Delete A: its paths answer 404 and its keys are gone.
    assertEquals((await s.call("DELETE", `/workspaces/${a}`)).status, 202);
    await s.service.workspaces.idle();
    assertEquals((await s.call("GET", `/workspaces/${a}`)).status, 404);
    assertEquals((await post(s, rwPath(a), body)).status, 404);
    for (const p of ["query?query=secret", "series?match[]=secret", "labels", "metadata"]) {
      assertEquals((await s.call("GET", `${apiPath(a)}/${p}`)).status, 404, p);
    }
    const left = [];
    for await (const e of s.service.kv.list({ prefix: ["w", a] })) left.push(e.key);
    assertEquals(left, []);
    assertEquals(await snapshot(s, b), emptyB);
  } finally {
    await s.close();
  }
});

Deno.test("a write over the ingestion token bucket gets 429 with Retry-After and stores nothing", async () => {
  const s = await testService({
    env: {
      PROMENADE_SAMPLE_AGE_MAX: "0",
      PROMENADE_INGESTION_RATE: "10",
      PROMENADE_INGESTION_BURST: "100",
      ...QUIET,
    },
  });
  try {
    const ws = await workspace(s, "limited");
    const series = (n: number, t: number): TestSeries[] =>
      Array.from({ length: n }, (_, i) => ({
        labels: { __name__: "rl", i: String(i) },
        samples: [[t, i]],
      }));
    assertEquals((await post(s, rwPath(ws), encodeWrite(series(60, T0)))).status, 200);
    const before = await snapshot(s, ws);
    const a = await post(s, rwPath(ws), encodeWrite(series(60, T0 + 1000)));
    assertEquals(a.status, 429);
    assertEquals(
      a.text,
      "ingestion rate limit (10) exceeded while adding 60 samples and 0 metadata\n",
    );
    const retry = Number(a.headers.get("retry-after"));
    assert(Number.isInteger(retry) && retry >= 1 && retry <= 3, `Retry-After ${retry}`);
    assertEquals(await snapshot(s, ws), before);
    // A request larger than the burst can never pass.
    const huge = await post(s, rwPath(ws), encodeWrite(series(101, T0 + 2000)));
    assertEquals(huge.status, 429);
    assertEquals(await snapshot(s, ws), before);
  } finally {
    await s.close();
  }
});

Deno.test("HA pairs: only the elected replica's samples are stored, without __replica__", async () => {
  const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0", ...QUIET } });
  try {
    const ws = await workspace(s, "ha");
    const from = (replica: string, t: number, v: number) =>
      encodeWrite([{
        labels: { __name__: "ha_metric", cluster: "prod", __replica__: replica, job: "j" },
        samples: [[t, v]],
      }]);
    assertEquals((await post(s, rwPath(ws), from("r1", T0, 1))).status, 200);
    const before = await snapshot(s, ws);
    const d = await post(s, rwPath(ws), from("r2", T0 + 1, 100));
    assertEquals([d.status, d.text], [
      202,
      "replicas did not match, rejecting sample: replica=r2, elected=r1\n",
    ]);
    assertEquals(await snapshot(s, ws), before);
    assertEquals((await post(s, rwPath(ws), from("r1", T0 + 15_000, 2))).status, 200);
    const after = await snapshot(s, ws);
    assertEquals(after.series, [{ __name__: "ha_metric", cluster: "prod", job: "j" }]);
    assertEquals(after.samples.result[0].values, [[T0 / 1000, "1"], [(T0 + 15_000) / 1000, "2"]]);
    assert(!after.labels.includes("__replica__"));
  } finally {
    await s.close();
  }
});

Deno.test("a workspace deleted while writes are in flight leaves no keys behind", async () => {
  const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0", ...QUIET } });
  try {
    const ws = await workspace(s, "doomed");
    const body = (i: number) =>
      encodeWrite(Array.from({ length: 200 }, (_, k) => ({
        labels: { __name__: "doomed", k: String(k), i: String(i) },
        samples: [[T0 + i, k]] as [number, number][],
      })));
    const writes: Promise<Answer>[] = [];
    for (let i = 0; i < 40; i++) writes.push(post(s, rwPath(ws), body(i)));
    await new Promise((r) => setTimeout(r, 5));
    assertEquals((await s.call("DELETE", `/workspaces/${ws}`)).status, 202);
    const answers = await Promise.all(writes);
    await s.service.workspaces.idle();
    for (const a of answers) assert([200, 404, 503].includes(a.status), `${a.status} ${a.text}`);
    const ok = answers.filter((a) => a.status === 200).length;
    await new Promise((r) => setTimeout(r, 200));
    const left = [];
    for await (const e of s.service.kv.list({ prefix: ["w", ws] })) left.push(e.key);
    assertEquals(left, [], `keys left after deleting a workspace with ${ok} writes acknowledged`);
  } finally {
    await s.close();
  }
});

Deno.test({
  name: "written values read back in Prometheus's spelling",
  async fn() {
    const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0", ...QUIET } });
    try {
      // Spellings checked against Prometheus 2.42's /api/v1/query of vector(<value>).
      const cases: [number, string][] = [
        [9.9e-7, "9.9e-07"],
        [-9.9e-7, "-9.9e-07"],
        [0.000001, "0.000001"],
        [1e20, "100000000000000000000"],
        [9.99e20, "999000000000000000000"],
        [1e21, "1e+21"],
        [1.5e300, "1.5e+300"],
        [123456789012345678, "123456789012345680"],
      ];
      const body = encodeWrite(cases.map(([v], i) => ({
        labels: { __name__: "spelling", i: String(i) },
        samples: [[T0, v]] as [number, number][],
      })));
      assertEquals((await post(s, "/api/v1/write", body)).status, 204);
      const r = await get(s, `/api/v1/query?query=spelling&time=${T0 / 1000}`);
      const got = Object.fromEntries(r.result.map((x: Json) => [x.metric.i, x.value[1]]));
      assertEquals(got, Object.fromEntries(cases.map(([, want], i) => [String(i), want])));
    } finally {
      await s.close();
    }
  },
});

Deno.test("limitsPerLabelSet from the workspace configuration applies to writes, also once the workspace is open", async () => {
  const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0", ...QUIET } });
  try {
    const ws = await workspace(s, "label-set-limits");
    const series = (job: string, n: number, t: number): TestSeries[] =>
      Array.from({ length: n }, (_, i) => ({
        labels: { __name__: "lsl", job, i: String(i) },
        samples: [[t, i]],
      }));
    // The workspace's storage is open (and its options set) before the configuration changes.
    assertEquals((await post(s, rwPath(ws), encodeWrite(series("free", 5, T0)))).status, 200);
    const patch = await s.call("PATCH", `/workspaces/${ws}/configuration`, {
      limitsPerLabelSet: [{ labelSet: { job: "limited" }, limits: { maxSeries: 2 } }],
    });
    assertEquals(patch.status, 202, JSON.stringify(patch.json));
    await s.service.workspaces.idle();
    assertEquals((await post(s, rwPath(ws), encodeWrite(series("limited", 2, T0)))).status, 200);
    const before = await snapshot(s, ws);
    const over = await post(s, rwPath(ws), encodeWrite(series("limited", 3, T0 + 1000)));
    assertEquals(over.status, 400);
    assert(
      over.text.startsWith(`user=123456789012_${ws}: per-labelset series limit of 2 exceeded`),
      over.text,
    );
    assertEquals(await snapshot(s, ws), before);
    // Existing series of the label set and other label sets are not limited.
    assertEquals(
      (await post(s, rwPath(ws), encodeWrite(series("limited", 2, T0 + 2000)))).status,
      200,
    );
    assertEquals(
      (await post(s, rwPath(ws), encodeWrite(series("free", 50, T0 + 2000)))).status,
      200,
    );
  } finally {
    await s.close();
  }
});

Deno.test("more than 3,000 remote write requests a second to a workspace get AMP's 429 Rate exceeded", async () => {
  const s = await testService({ env: { PROMENADE_SAMPLE_AGE_MAX: "0", ...QUIET } });
  try {
    const ws = await workspace(s, "tps");
    const other = await workspace(s, "tps-other");
    // Requests refused for their content type are still requests: the gateway counts them first.
    const send = (id: string) =>
      post(s, rwPath(id), new Uint8Array(0), { "content-type": "text/plain" });
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 4500 }, () => send(ws)));
    const ms = performance.now() - started;
    const throttled = answers.filter((a) => a.status === 429);
    assert(
      throttled.length >= 4500 - 3000 - Math.ceil(ms * 3),
      `${throttled.length} throttled of 4500 in ${ms.toFixed(0)} ms`,
    );
    const t = throttled[0];
    assertEquals(t.text, '{"message":"Rate exceeded"}');
    assertEquals(t.headers.get("content-type"), "application/json");
    assertEquals(t.headers.get("retry-after"), "1");
    assert(answers.every((a) => a.status === 429 || a.status === 415));
    // Another workspace has its own budget.
    assertEquals((await send(other)).status, 415);
    // A second later the budget is back.
    await new Promise((r) => setTimeout(r, 1000));
    assertEquals((await post(s, rwPath(ws), encodeWrite([GOOD]))).status, 200);
  } finally {
    await s.close();
  }
});
