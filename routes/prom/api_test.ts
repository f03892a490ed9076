/**
 * The Prometheus HTTP API through `app.request`: every endpoint and parameter form, Prometheus's
 * error texts, gzip, throttling, stats, limits, annotations and native histogram JSON. Data is
 * loaded with remote write 1.0 at fixed old timestamps (sample age check off).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { assert, assertEquals } from "../../tests/assert.ts";
import { type TestService, testService } from "../../tests/harness.ts";
import { encodeWrite, remoteWrite, RW1_HEADERS, type TestSeries } from "../../tests/rw_client.ts";
import { WriteRequestSchema } from "../../engine/ingest/gen/prometheus/remote_pb.ts";
import { snappyEncode } from "../../engine/ingest/mod.ts";
import { QueryApi } from "../../engine/prom_api.ts";
import { promRoutes } from "./mod.ts";

const T0 = 1_700_000_000_000;
const STEP = 15_000;
/** Seconds at T0 + `s` seconds, as a query parameter. */
const at = (s: number) => String((T0 + s * 1000) / 1000);

type Call = Awaited<ReturnType<TestService["call"]>>;

function floatSeries(): TestSeries[] {
  const out: TestSeries[] = [];
  for (let i = 0; i < 3; i++) {
    const samples: [number, number][] = [];
    for (let k = 0; k < 40; k++) samples.push([T0 + k * STEP, k * (i + 1)]);
    out.push({
      labels: { __name__: "http_requests_total", job: "api", instance: `i${i}` },
      samples,
    });
  }
  for (const [le, per] of [["0.1", 1], ["0.5", 3], ["1", 4], ["+Inf", 5]] as const) {
    const samples: [number, number][] = [];
    for (let k = 0; k < 40; k++) samples.push([T0 + k * STEP, k * per]);
    out.push({ labels: { __name__: "lat_bucket", job: "api", le }, samples });
  }
  // A histogram whose buckets are not monotonic: histogram_quantile warns.
  for (const [le, v] of [["1", 10], ["2", 5], ["+Inf", 12]] as const) {
    out.push({
      labels: { __name__: "bad_bucket", le },
      samples: [[T0, v], [T0 + STEP, v]],
    });
  }
  out.push({
    labels: { __name__: "temp", job: "api" },
    samples: [[T0, 5], [T0 + STEP, 6], [T0 + 2 * STEP, 8]],
  });
  return out;
}

/** A remote-write body with two native float histograms: exponential (schema 0) and custom buckets. */
function histogramBody(): Uint8Array {
  const req = create(WriteRequestSchema, {
    timeseries: [
      {
        labels: [{ name: "__name__", value: "rpc_seconds" }, { name: "job", value: "api" }],
        histograms: [{
          count: { case: "countFloat", value: 15 },
          sum: 3,
          schema: 0,
          zeroThreshold: 0.001,
          zeroCount: { case: "zeroCountFloat", value: 2 },
          negativeSpans: [{ offset: 0, length: 2 }],
          negativeCounts: [4, 5],
          positiveSpans: [{ offset: 0, length: 3 }],
          positiveCounts: [1, 0, 3],
          timestamp: BigInt(T0),
        }],
      },
      {
        labels: [{ name: "__name__", value: "nhcb_seconds" }, { name: "job", value: "api" }],
        histograms: [{
          count: { case: "countFloat", value: 6 },
          sum: 2.5,
          schema: -53,
          zeroThreshold: 0,
          zeroCount: { case: "zeroCountFloat", value: 0 },
          positiveSpans: [{ offset: 0, length: 3 }],
          positiveCounts: [1, 2, 3],
          customValues: [0.1, 1],
          timestamp: BigInt(T0),
        }],
      },
    ],
  });
  return snappyEncode(toBinary(WriteRequestSchema, req));
}

async function withData(
  fn: (svc: TestService, ws: string) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const svc = await testService({
    env: { PROMENADE_SAMPLE_AGE_MAX: "0", PROMENADE_METADATA_TPS: "1000", ...env },
  });
  try {
    const req = (p: string, i: RequestInit) => svc.app.request(p, i) as Promise<Response>;
    const w = await remoteWrite(req, "/api/v1/write", floatSeries());
    assertEquals(w.status, 204, await w.text());
    const md = await req("/api/v1/write", {
      method: "POST",
      headers: RW1_HEADERS,
      body: encodeWrite([], [
        { metric: "http_requests_total", type: 1, help: "Requests served.", unit: "" },
        { metric: "temp", type: 2, help: "Temperature.", unit: "celsius" },
        { metric: "lat", type: 3, help: "Latency.", unit: "seconds" },
      ]) as Uint8Array<ArrayBuffer>,
    });
    assertEquals(md.status, 204, await md.text());
    const h = await req("/api/v1/write", {
      method: "POST",
      headers: RW1_HEADERS,
      body: histogramBody() as Uint8Array<ArrayBuffer>,
    });
    assertEquals(h.status, 204, await h.text());
    const c = await svc.call("POST", "/workspaces", { alias: "q" });
    assertEquals(c.status, 202);
    await fn(svc, c.json.workspaceId);
  } finally {
    await svc.close();
  }
}

function get(svc: TestService, path: string): Promise<Call> {
  return svc.call("GET", path);
}

async function post(svc: TestService, path: string, form: Record<string, string>): Promise<Call> {
  const res = await svc.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) };
}

function q(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

function assertBadData(r: Call, message: string): void {
  assertEquals(r.status, 400, JSON.stringify(r.json));
  assertEquals(r.json, { status: "error", errorType: "bad_data", error: message });
}

Deno.test("instant queries answer vectors, scalars and strings for GET and form POST", async () => {
  await withData(async (svc) => {
    const r = await get(
      svc,
      `/api/v1/query?${q({ query: "http_requests_total", time: at(300.5) })}`,
    );
    assertEquals(r.status, 200);
    assertEquals(r.json.status, "success");
    assertEquals(r.json.data.resultType, "vector");
    assertEquals(r.json.data.result, [
      {
        metric: { __name__: "http_requests_total", instance: "i0", job: "api" },
        value: [1700000300.5, "20"],
      },
      {
        metric: { __name__: "http_requests_total", instance: "i1", job: "api" },
        value: [1700000300.5, "40"],
      },
      {
        metric: { __name__: "http_requests_total", instance: "i2", job: "api" },
        value: [1700000300.5, "60"],
      },
    ]);
    const p = await post(svc, "/api/v1/query", {
      query: 'sum(http_requests_total{instance="i1"})',
      time: "2023-11-14T22:18:20.5Z", // T0 + 300.5 s as RFC 3339
    });
    assertEquals(p.json.data.result, [{ metric: {}, value: [1700000300.5, "40"] }]);
    const s = await get(svc, `/api/v1/query?${q({ query: "1/0", time: "10" })}`);
    assertEquals(s.json.data, { resultType: "scalar", result: [10, "+Inf"] });
    const str = await get(svc, `/api/v1/query?${q({ query: '"hi"', time: "10.123" })}`);
    assertEquals(str.json.data, { resultType: "string", result: [10.123, "hi"] });
  });
});

Deno.test("range queries accept RFC 3339, unix seconds, durations and float steps", async () => {
  await withData(async (svc) => {
    const want = [[1700000300, "40"], [1700000320, "42"], [1700000340, "44"]];
    for (
      const [start, end, step] of [
        [at(300), at(340), "20s"],
        [at(305), at(359), "20"],
        ["2023-11-14T22:18:20Z", "2023-11-14T22:19:00Z", "20.0"],
        ["2023-11-14T23:18:20+01:00", at(340), "20000ms"],
      ]
    ) {
      const r = await get(
        svc,
        `/api/v1/query_range?${
          q({ query: 'http_requests_total{instance="i1"}', start, end, step })
        }`,
      );
      assertEquals(r.status, 200, JSON.stringify(r.json));
      assertEquals(r.json.data.resultType, "matrix");
      assertEquals(r.json.data.result[0].values, want, `${start} ${end} ${step}`);
    }
    const p = await post(svc, "/api/v1/query_range", {
      query: 'http_requests_total{instance="i1"}',
      start: at(300),
      end: at(340),
      step: "20s",
    });
    assertEquals(p.json.data.result[0].values, want);
  });
});

Deno.test("malformed times, steps, limits and queries are 400 bad_data with Prometheus's text", async () => {
  await withData(async (svc) => {
    const cases: [string, string][] = [
      [
        `/api/v1/query?${q({ query: "up", time: "yesterday" })}`,
        `invalid parameter "time": invalid time value for 'time': cannot parse "yesterday" to a valid timestamp`,
      ],
      [
        `/api/v1/query?${q({ query: "up", timeout: "soon" })}`,
        `invalid parameter "timeout": cannot parse "soon" to a valid duration`,
      ],
      [
        `/api/v1/query?${q({ query: "up", lookback_delta: "1x" })}`,
        `error parsing lookback delta duration: cannot parse "1x" to a valid duration`,
      ],
      [
        `/api/v1/query?${q({ query: "up", limit: "ten" })}`,
        `invalid parameter "limit": strconv.Atoi: parsing "ten": invalid syntax`,
      ],
      [
        `/api/v1/query?${q({ query: "up", limit: "-1" })}`,
        `invalid parameter "limit": limit must be non-negative`,
      ],
      [
        `/api/v1/query?${q({ query: "sum(up" })}`,
        `invalid parameter "query": 1:7: parse error: unclosed left parenthesis`,
      ],
      [
        `/api/v1/query?${q({ query: "" })}`,
        `invalid parameter "query": unknown position: parse error: no expression found in input`,
      ],
      [
        `/api/v1/query_range?${q({ query: "up", start: "x", end: "2", step: "1" })}`,
        `invalid parameter "start": cannot parse "x" to a valid timestamp`,
      ],
      [
        `/api/v1/query_range?${
          q({ query: "up", start: "1", end: "2020-13-01T00:00:00Z", step: "1" })
        }`,
        `invalid parameter "end": cannot parse "2020-13-01T00:00:00Z" to a valid timestamp`,
      ],
      [
        `/api/v1/query_range?${q({ query: "up", start: "1", end: "2" })}`,
        `invalid parameter "step": cannot parse "" to a valid duration`,
      ],
      [
        `/api/v1/query_range?${q({ query: "up", start: "1", end: "2", step: "5y3q" })}`,
        `invalid parameter "step": cannot parse "5y3q" to a valid duration`,
      ],
      [
        `/api/v1/query_range?${q({ query: "up", start: "1", end: "2", step: "1e300" })}`,
        `invalid parameter "step": cannot parse "1e300" to a valid duration. It overflows int64`,
      ],
      [
        `/api/v1/query_range?${q({ query: "up", start: "5", end: "2", step: "1" })}`,
        `invalid parameter "end": end timestamp must not be before start time`,
      ],
      [
        `/api/v1/query_range?${q({ query: "up", start: "1", end: "2", step: "-1" })}`,
        `invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer`,
      ],
      [
        `/api/v1/query_range?${q({ query: "up", start: "0", end: "11001", step: "1" })}`,
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
      ],
      [
        `/api/v1/query_range?${
          q({ query: "up", start: "0", end: String(96 * 86400), step: "3600" })
        }`,
        "the query time range exceeds the limit (query length: 2304h0m0s, limit: 2280h0m0s)",
      ],
      [`/api/v1/series`, "no match[] parameter provided"],
      [
        `/api/v1/series?${q({ "match[]": "up{" })}`,
        `invalid parameter "match[]": 1:4: parse error: unexpected end of input inside braces`,
      ],
      [
        `/api/v1/series?${q({ "match[]": '{job=~".*"}' })}`,
        `invalid parameter "match[]": match[] must contain at least one non-empty matcher`,
      ],
      [
        `/api/v1/series?${q({ "match[]": "up", start: "later" })}`,
        `invalid parameter "start": invalid time value for 'start': cannot parse "later" to a valid timestamp`,
      ],
      [
        `/api/v1/labels?${q({ "match[]": '{a=""}' })}`,
        "match[] must contain at least one non-empty matcher",
      ],
      [
        `/api/v1/labels?${q({ end: "x" })}`,
        `invalid parameter "end": invalid time value for 'end': cannot parse "x" to a valid timestamp`,
      ],
      [
        `/api/v1/label/job/values?${q({ limit: "1.5" })}`,
        `invalid parameter "limit": strconv.Atoi: parsing "1.5": invalid syntax`,
      ],
      [`/api/v1/metadata?${q({ limit: "x" })}`, "limit must be a number"],
      [`/api/v1/metadata?${q({ limit_per_metric: "x" })}`, "limit_per_metric must be a number"],
      [`/api/v1/status/tsdb?${q({ limit: "0" })}`, "limit must be a positive number"],
      [`/api/v1/status/tsdb?${q({ limit: "10001" })}`, "limit must not exceed 10000"],
      [
        `/api/v1/query_exemplars?${q({ query: "up", start: "5", end: "1" })}`,
        "end timestamp must not be before start timestamp",
      ],
      [
        `/api/v1/query_exemplars?${q({ query: "up{" })}`,
        "1:4: parse error: unexpected end of input inside braces",
      ],
      [
        `/api/v1/format_query?${q({ query: "foo +" })}`,
        `invalid parameter "query": 1:6: parse error: unexpected end of input`,
      ],
      [
        `/api/v1/parse_query?${q({ query: "rate(x)" })}`,
        `invalid parameter "query": 1:6: parse error: expected type range vector in call to function "rate", got instant vector`,
      ],
    ];
    for (const [path, message] of cases) assertBadData(await get(svc, path), message);
  });
});

Deno.test("a workspace that does not exist is 404 not_found on every endpoint", async () => {
  await withData(async (svc, ws) => {
    const paths = [
      "query?query=1",
      "query_range?query=1&start=1&end=2&step=1",
      "series?match[]=up",
      "labels",
      "label/job/values",
      "metadata",
      "query_exemplars?query=up",
      "format_query?query=up",
      "parse_query?query=up",
      "status/buildinfo",
      "status/runtimeinfo",
      "status/flags",
      "status/config",
      "status/tsdb",
      "targets",
      "alertmanagers",
    ];
    for (const p of paths) {
      const r = await get(svc, `/workspaces/ws-00000000-0000-0000-0000-000000000000/api/v1/${p}`);
      assertEquals(r.status, 404, p);
      assertEquals(r.json.status, "error", p);
      assertEquals(r.json.errorType, "not_found", p);
      const ok = await get(svc, `/workspaces/${ws}/api/v1/${p}`);
      assertEquals(ok.status, 200, `${p}: ${JSON.stringify(ok.json)}`);
    }
  });
});

Deno.test("a workspace's data is separate from the default workspace's", async () => {
  await withData(async (svc, ws) => {
    const req = (p: string, i: RequestInit) => svc.app.request(p, i) as Promise<Response>;
    const w = await remoteWrite(req, `/workspaces/${ws}/api/v1/remote_write`, [
      { labels: { __name__: "only_here", a: "b" }, samples: [[T0, 7]] },
    ]);
    assertEquals(w.status, 200);
    const mine = await get(
      svc,
      `/workspaces/${ws}/api/v1/query?${q({ query: "only_here", time: at(1) })}`,
    );
    assertEquals(mine.json.data.result, [{
      metric: { __name__: "only_here", a: "b" },
      value: [1700000001, "7"],
    }]);
    const other = await get(svc, `/api/v1/query?${q({ query: "only_here", time: at(1) })}`);
    assertEquals(other.json.data.result, []);
    const names = await get(svc, `/workspaces/${ws}/api/v1/label/__name__/values`);
    assertEquals(names.json.data, ["only_here"]);
  });
});

Deno.test("responses are gzip-compressed when the client accepts it", async () => {
  await withData(async (svc) => {
    const res = await svc.app.request(
      `/api/v1/query?${q({ query: "http_requests_total", time: at(300) })}`,
      {
        headers: { "accept-encoding": "gzip" },
      },
    );
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-encoding"), "gzip");
    const text = await new Response(res.body!.pipeThrough(new DecompressionStream("gzip"))).text();
    assertEquals(JSON.parse(text).data.result.length, 3);
    const small = await svc.app.request(`/api/v1/query?${q({ query: "1", time: "1" })}`, {
      headers: { "accept-encoding": "deflate" },
    });
    assertEquals(small.headers.get("content-encoding"), "deflate");
    const inflated = small.body!.pipeThrough(new DecompressionStream("deflate"));
    assertEquals(JSON.parse(await new Response(inflated).text()).data.result, [1, "1"]);
    const plain = await svc.app.request(`/api/v1/query?${q({ query: "1", time: "1" })}`);
    assertEquals(plain.headers.get("content-encoding"), null);
    assertEquals(await plain.json(), {
      status: "success",
      data: { resultType: "scalar", result: [1, "1"] },
    });
  });
});

Deno.test("requests over the workspace's query or metadata rate are 429 with Retry-After", async () => {
  await withData(async (svc, ws) => {
    const labels = async () => await svc.app.request(`/workspaces/${ws}/api/v1/labels`);
    const codes: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 4; i++) {
      const r = await labels();
      codes.push(r.status);
      if (r.status === 429) limited = r;
      else await r.body?.cancel();
    }
    assertEquals(codes, [200, 200, 429, 429]);
    assert(Number(limited!.headers.get("retry-after")) >= 1, "Retry-After is at least one second");
    await limited!.body?.cancel();
    // Queries have their own budget, and other workspaces are not affected.
    const qr = [];
    for (let i = 0; i < 4; i++) {
      qr.push((await get(svc, `/workspaces/${ws}/api/v1/query?query=1`)).status);
    }
    assertEquals(qr, [200, 200, 200, 429]);
    assertEquals((await get(svc, "/api/v1/labels")).status, 200);
  }, { PROMENADE_METADATA_TPS: "2", PROMENADE_QUERY_TPS: "3" });
});

Deno.test("stats=all returns timings and queryable samples per step", async () => {
  await withData(async (svc) => {
    const r = await get(
      svc,
      `/api/v1/query_range?${
        q({ query: "http_requests_total", start: at(301), end: at(359), step: "20", stats: "all" })
      }`,
    );
    const stats = r.json.data.stats;
    assertEquals(Object.keys(stats.timings), [
      "evalTotalTime",
      "resultSortTime",
      "queryPreparationTime",
      "innerEvalTime",
      "execQueueTime",
      "execTotalTime",
    ]);
    for (const v of Object.values(stats.timings)) assert(typeof v === "number" && v >= 0);
    assertEquals(stats.samples.totalQueryableSamplesPerStep, [[1700000300, 3], [1700000320, 3], [
      1700000340,
      3,
    ]]);
    assertEquals(stats.samples.totalQueryableSamples, 9);
    const inst = await get(
      svc,
      `/api/v1/query?${
        q({ query: "sum_over_time(http_requests_total[1m])", time: at(300.5), stats: "all" })
      }`,
    );
    assertEquals(inst.json.data.stats.samples.totalQueryableSamplesPerStep, [[1700000300.5, 12]]);
    assertEquals(inst.json.data.stats.samples.totalQueryableSamples, 12);
    const basic = await get(
      svc,
      `/api/v1/query?${q({ query: "http_requests_total", time: at(300), stats: "true" })}`,
    );
    assertEquals(basic.json.data.stats.samples, { totalQueryableSamples: 3 });
    const none = await get(
      svc,
      `/api/v1/query?${q({ query: "http_requests_total", time: at(300) })}`,
    );
    assertEquals(none.json.data.stats, undefined);
    const odd = await get(svc, `/api/v1/query?${q({ query: "1", time: "1", stats: "yes" })}`);
    assertEquals(odd.json.warnings, [
      `value "yes" for parameter "stats" is deprecated and will be rejected in the next major release, use "true" or "all"`,
    ]);
  });
});

Deno.test("limit truncates results with a warning, as Prometheus does", async () => {
  await withData(async (svc) => {
    const trunc = ["results truncated due to limit"];
    const r = await get(
      svc,
      `/api/v1/query?${q({ query: "http_requests_total", time: at(300), limit: "2" })}`,
    );
    assertEquals(r.json.data.result.length, 2);
    assertEquals(r.json.warnings, trunc);
    const exact = await get(
      svc,
      `/api/v1/query?${q({ query: "http_requests_total", time: at(300), limit: "3" })}`,
    );
    assertEquals(exact.json.data.result.length, 3);
    assertEquals(exact.json.warnings, undefined);
    const rr = await get(
      svc,
      `/api/v1/query_range?${
        q({ query: "http_requests_total", start: at(300), end: at(320), step: "20", limit: "1" })
      }`,
    );
    assertEquals(rr.json.data.result.length, 1);
    assertEquals(rr.json.warnings, trunc);
    const s = await get(
      svc,
      `/api/v1/series?${q({ "match[]": "http_requests_total", limit: "2" })}`,
    );
    assertEquals(s.json.data, [
      { __name__: "http_requests_total", instance: "i0", job: "api" },
      { __name__: "http_requests_total", instance: "i1", job: "api" },
    ]);
    assertEquals(s.json.warnings, trunc);
    const l = await get(svc, `/api/v1/labels?${q({ limit: "2" })}`);
    assertEquals(l.json.data, ["__name__", "instance"]);
    assertEquals(l.json.warnings, trunc);
    const v = await get(svc, `/api/v1/label/__name__/values?${q({ limit: "2" })}`);
    assertEquals(v.json.data, ["bad_bucket", "http_requests_total"]);
    assertEquals(v.json.warnings, trunc);
    const zero = await get(svc, `/api/v1/label/__name__/values?${q({ limit: "0" })}`);
    assertEquals(zero.json.data.length, 6);
    assertEquals(zero.json.warnings, undefined);
  });
});

Deno.test("warnings and infos from PromQL are carried through", async () => {
  await withData(async (svc) => {
    const info = await get(svc, `/api/v1/query?${q({ query: "rate(temp[1m])", time: at(40) })}`);
    assertEquals(info.status, 200);
    assertEquals(info.json.infos, [
      'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "temp" (1:6)',
    ]);
    assertEquals(info.json.warnings, undefined);
    const warn = await get(
      svc,
      `/api/v1/query?${q({ query: "histogram_quantile(0.5, bad_bucket)", time: at(20) })}`,
    );
    assertEquals(warn.json.infos.length, 1);
    assert(
      warn.json.infos[0].startsWith(
        'PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name "bad_bucket"',
      ),
      warn.json.infos[0],
    );
    assert(warn.json.infos[0].endsWith(" (1:25)"), warn.json.infos[0]);
    const noLe = await get(
      svc,
      `/api/v1/query?${
        q({ query: "histogram_quantile(0.9, rate(http_requests_total[1m]))", time: at(300) })
      }`,
    );
    assertEquals(noLe.json.data.result, []);
    assertEquals(noLe.json.warnings, [
      'PromQL warning: bucket label "le" is missing or has a malformed value of "" for metric name "http_requests_total" (1:25)',
    ]);
  });
});

Deno.test("native histograms are written with buckets from lowest to highest and their boundary rules", async () => {
  await withData(async (svc) => {
    const r = await get(svc, `/api/v1/query?${q({ query: "rpc_seconds", time: at(1) })}`);
    assertEquals(r.json.data.result, [{
      metric: { __name__: "rpc_seconds", job: "api" },
      histogram: [1700000001, {
        count: "15",
        sum: "3",
        buckets: [
          [1, "-2", "-1", "5"],
          [1, "-1", "-0.5", "4"],
          [3, "-0.001", "0.001", "2"],
          [0, "0.5", "1", "1"],
          [0, "2", "4", "3"],
        ],
      }],
    }]);
    const c = await get(svc, `/api/v1/query?${q({ query: "nhcb_seconds", time: at(1) })}`);
    assertEquals(c.json.data.result[0].histogram[1], {
      count: "6",
      sum: "2.5",
      buckets: [[3, "-Inf", "0.1", "1"], [0, "0.1", "1", "2"], [0, "1", "+Inf", "3"]],
    });
    const range = await get(
      svc,
      `/api/v1/query_range?${q({ query: "rpc_seconds", start: at(0), end: at(20), step: "20" })}`,
    );
    const series = range.json.data.result[0];
    assertEquals(series.values, undefined);
    assertEquals(series.histograms.map((h: [number, unknown]) => h[0]), [1700000000, 1700000020]);
  });
});

Deno.test("series, labels and label values honour match[], start and end", async () => {
  await withData(async (svc) => {
    const s = await post(svc, "/api/v1/series", { "match[]": 'temp{job="api"}' });
    assertEquals(s.json.data, [{ __name__: "temp", job: "api" }]);
    const two = await get(
      svc,
      `/api/v1/series?match[]=temp&match[]=${
        encodeURIComponent('http_requests_total{instance="i2"}')
      }`,
    );
    assertEquals(two.json.data, [
      { __name__: "http_requests_total", instance: "i2", job: "api" },
      { __name__: "temp", job: "api" },
    ]);
    const late = await get(
      svc,
      `/api/v1/series?${q({ "match[]": "temp", start: at(100), end: at(200) })}`,
    );
    assertEquals(late.json.data, []);
    // Like AMP, a series or labels range over 95 days is narrowed to the last 95 days.
    const day = 86_400;
    const wide = await get(
      svc,
      `/api/v1/series?${q({ "match[]": "temp", start: at(-200 * day), end: at(1000) })}`,
    );
    assertEquals(wide.json.data, [{ __name__: "temp", job: "api" }]);
    const past = await get(
      svc,
      `/api/v1/series?${q({ "match[]": "temp", start: at(-200 * day), end: at(96 * day) })}`,
    );
    assertEquals(past.json.data, []);
    const pastLabels = await get(svc, `/api/v1/labels?${q({ start: at(-1), end: at(96 * day) })}`);
    assertEquals(pastLabels.json.data, []);
    const all = await get(svc, "/api/v1/labels");
    assertEquals(all.json.data, ["__name__", "instance", "job", "le"]);
    const m = await get(svc, `/api/v1/labels?${q({ "match[]": "lat_bucket" })}`);
    assertEquals(m.json.data, ["__name__", "job", "le"]);
    const v = await get(svc, `/api/v1/label/le/values?${q({ "match[]": "lat_bucket" })}`);
    assertEquals(v.json.data, ["+Inf", "0.1", "0.5", "1"]);
    const inst = await get(svc, "/api/v1/label/instance/values");
    assertEquals(inst.json.data, ["i0", "i1", "i2"]);
    const none = await get(svc, "/api/v1/label/nothing/values");
    assertEquals(none.json.data, []);
    const escaped = await get(svc, "/api/v1/label/U__j_6f_b/values");
    assertEquals(escaped.json.data, ["api"]);
  });
});

Deno.test("metadata honours metric, limit and limit_per_metric", async () => {
  await withData(async (svc) => {
    const all = await get(svc, "/api/v1/metadata");
    assertEquals(all.json.data, {
      http_requests_total: [{ type: "counter", help: "Requests served.", unit: "" }],
      temp: [{ type: "gauge", help: "Temperature.", unit: "celsius" }],
      lat: [{ type: "histogram", help: "Latency.", unit: "seconds" }],
    });
    const one = await get(svc, `/api/v1/metadata?${q({ metric: "temp" })}`);
    assertEquals(Object.keys(one.json.data), ["temp"]);
    const lim = await get(svc, `/api/v1/metadata?${q({ limit: "2" })}`);
    assertEquals(Object.keys(lim.json.data).length, 2);
    const zero = await get(svc, `/api/v1/metadata?${q({ limit: "0" })}`);
    assertEquals(zero.json.data, {});
    const neg = await get(svc, `/api/v1/metadata?${q({ limit: "-1", limit_per_metric: "1" })}`);
    assertEquals(Object.keys(neg.json.data).length, 3);
  });
});

Deno.test("format_query, parse_query, exemplars and the status endpoints answer Prometheus's shapes", async () => {
  await withData(async (svc) => {
    const f = await post(svc, "/api/v1/format_query", { query: "sum(rate(foo[5m]))by(job)" });
    assertEquals(f.json.data, "sum by (job) (rate(foo[5m]))");
    const p = await get(svc, `/api/v1/parse_query?${q({ query: 'up{job="a"} offset 5m' })}`);
    assertEquals(p.json.data, {
      type: "vectorSelector",
      name: "up",
      offset: 300000,
      offsetExpr: null,
      matchers: [{ name: "job", value: "a", type: "=" }, {
        name: "__name__",
        value: "up",
        type: "=",
      }],
      timestamp: null,
      startOrEnd: null,
      anchored: false,
      smoothed: false,
    });
    const b2 = await get(
      svc,
      `/api/v1/parse_query?${
        q({ query: "rate(x[5m] @ end()) / on(a) group_left(b) max_over_time(sum(y)[1h:1m])" })
      }`,
    );
    const bin = b2.json.data;
    assertEquals([bin.type, bin.op, bin.bool], ["binaryExpr", "/", false]);
    assertEquals(bin.matching, {
      card: "many-to-one",
      labels: ["a"],
      on: true,
      include: ["b"],
      fillValues: { lhs: null, rhs: null },
    });
    assertEquals(bin.lhs.func.name, "rate");
    assertEquals(bin.lhs.args[0].type, "matrixSelector");
    assertEquals(bin.lhs.args[0].range, 300000);
    assertEquals(bin.lhs.args[0].startOrEnd, "end");
    const sub = bin.rhs.args[0];
    assertEquals(sub.type, "subquery");
    assertEquals([sub.range, sub.step, sub.expr.op], [3600000, 60000, "sum"]);
    const ex = await get(svc, `/api/v1/query_exemplars?${q({ query: "http_requests_total" })}`);
    assertEquals(ex.json, { status: "success", data: [] });
    const noSel = await get(svc, `/api/v1/query_exemplars?${q({ query: "1 + 1" })}`);
    assertEquals(noSel.json, { status: "success", data: null });
    const b = await get(svc, "/api/v1/status/buildinfo");
    assertEquals(Object.keys(b.json.data), [
      "version",
      "revision",
      "branch",
      "buildUser",
      "buildDate",
      "goVersion",
    ]);
    const rt = await get(svc, "/api/v1/status/runtimeinfo");
    assertEquals(rt.json.data.storageRetention, "150d");
    assert(!Number.isNaN(Date.parse(rt.json.data.startTime)));
    const fl = await get(svc, "/api/v1/status/flags");
    assertEquals(fl.json.data["query-tps"], "300");
    const cfg = await get(svc, "/api/v1/status/config");
    assertEquals(typeof cfg.json.data.yaml, "string");
    const tsdb = await get(svc, `/api/v1/status/tsdb?${q({ limit: "2" })}`);
    assertEquals(tsdb.json.data.headStats.numSeries, 13);
    assertEquals(tsdb.json.data.headStats.minTime, T0);
    assertEquals(tsdb.json.data.seriesCountByMetricName, [
      { name: "lat_bucket", value: 4 },
      { name: "bad_bucket", value: 3 },
    ]);
    assertEquals(tsdb.json.data.labelValueCountByLabelName.length, 2);
    const t = await get(svc, "/api/v1/targets");
    assertEquals(t.json.data, { activeTargets: [], droppedTargets: [], droppedTargetCounts: {} });
    const am = await get(svc, "/api/v1/alertmanagers");
    assertEquals(am.json.data, { activeAlertmanagers: [], droppedAlertmanagers: [] });
  });
});

Deno.test("query timeouts and lookback_delta apply per request", async () => {
  await withData(async (svc) => {
    const near = await get(
      svc,
      `/api/v1/query?${q({ query: "temp", time: at(100), lookback_delta: "1m" })}`,
    );
    assertEquals(near.json.data.result, []);
    const far = await get(
      svc,
      `/api/v1/query?${q({ query: "temp", time: at(100), lookback_delta: "2m" })}`,
    );
    assertEquals(far.json.data.result[0].value, [1700000100, "8"]);
    // Zero means the default (5m), as in Prometheus.
    const dflt = await get(
      svc,
      `/api/v1/query?${q({ query: "temp", time: at(100), lookback_delta: "0" })}`,
    );
    assertEquals(dflt.json.data.result[0].value, [1700000100, "8"]);
    const slow = await get(
      svc,
      `/api/v1/query_range?${
        q({
          query: "sum by (job) (http_requests_total) * on (job) group_left count by (job) (temp)",
          start: at(0),
          end: at(10_000),
          step: "1",
          timeout: "0.001",
        })
      }`,
    );
    assertEquals(slow.status, 503, JSON.stringify(slow.json).slice(0, 300));
    assertEquals(slow.json.errorType, "timeout");
    assert(String(slow.json.error).startsWith("query timed out in "), slow.json.error);
  });
});

Deno.test("query sample and series limits fail with 422 execution and their texts", async () => {
  await withData(async (svc) => {
    const app = promRoutes({
      queryApi: new QueryApi({ samplesMax: 50 }, { seriesFetchedMax: 5 }),
      queryTarget: (id) => svc.service.data.queryTarget(id),
      throttle: () => {},
      status: {
        version: "test",
        startTimeMs: 0,
        flags: {},
        retentionFor: () => Promise.resolve("1d"),
      },
    });
    const call = async (query: string) => {
      const res = await app.request(`/api/v1/query?${q({ query, time: at(300) })}`);
      return { status: res.status, json: await res.json() };
    };
    const res = await app.request(
      `/api/v1/query_range?${
        q({ query: "http_requests_total", start: at(0), end: at(585), step: "1" })
      }`,
    );
    const samples = { status: res.status, json: await res.json() };
    assertEquals(samples.status, 422);
    assertEquals(samples.json, {
      status: "error",
      errorType: "execution",
      error: "query processing would load too many samples into memory in query execution",
    });
    const series = await call("lat_bucket + on() group_left() count(http_requests_total)");
    assertEquals(series.status, 422);
    assertEquals(series.json, {
      status: "error",
      errorType: "execution",
      error: "the query hit the max number of series limit (limit: 5 series)",
    });
    const fine = await call("count(lat_bucket)");
    assertEquals(fine.json.data.result, [{ metric: {}, value: [1700000300, "4"] }]);
  });
});

Deno.test("AMP's samples-processed thresholds warn or reject a query", async () => {
  await withData(async (svc) => {
    const path = (extra: Record<string, string>) =>
      `/api/v1/query?${
        q({ query: "sum_over_time(http_requests_total[1m])", time: at(300.5), ...extra })
      }`;
    const under = await get(svc, path({ max_samples_processed_warning_threshold: "12" }));
    assertEquals(under.json.warnings, undefined);
    const warn = await get(svc, path({ max_samples_processed_warning_threshold: "11" }));
    assertEquals(warn.status, 200);
    assertEquals(warn.json.warnings, [
      "query processed 12 samples, more than max_samples_processed_warning_threshold (11)",
    ]);
    const reject = await post(svc, "/api/v1/query", {
      query: "sum_over_time(http_requests_total[1m])",
      time: at(300.5),
      max_samples_processed_error_threshold: "10",
    });
    assertEquals(reject.status, 422);
    assertEquals(reject.json, {
      status: "error",
      errorType: "execution",
      error:
        "query processed 12 samples, more than max_samples_processed_error_threshold (10); the query was rejected",
    });
    assertBadData(
      await get(svc, path({ max_samples_processed_error_threshold: "lots" })),
      `invalid parameter "max_samples_processed_error_threshold": strconv.Atoi: parsing "lots": invalid syntax`,
    );
  });
});

Deno.test("a query whose client went away is 499 canceled", async () => {
  await withData(async (svc) => {
    const gone = new AbortController();
    gone.abort();
    const res = await svc.app.request(
      `/api/v1/query?${q({ query: "sum(http_requests_total)", time: "2023-11-14T22:18:20.250Z" })}`,
      { signal: gone.signal },
    );
    assertEquals(res.status, 499);
    const body = await res.json();
    assertEquals(body.errorType, "canceled");
    assert(body.error.startsWith("query was canceled in "), body.error);
    const ok = await get(
      svc,
      `/api/v1/query?${q({ query: "sum(http_requests_total)", time: "2023-11-14T22:18:20.250Z" })}`,
    );
    assertEquals(ok.json.data.result, [{ metric: {}, value: [1700000300.25, "120"] }]);
  });
});
