/** Prometheus's JSON value formats: timestamps, native histogram bucket bounds and order. */
import { assert, assertEquals } from "../../tests/assert.ts";
import { Hono } from "hono";
import { acceptedEncoding, exponentialBound, failure, histogramJson, ts, val } from "./respond.ts";
import { formatFloatE, formatFloatF } from "../../engine/model/go_format.ts";
import {
  BadDataError,
  QueryThrottledError,
  WorkspaceNotFoundError,
} from "../../engine/prom_api.ts";
import {
  QueryCanceledError,
  QueryExecutionError,
  QueryTimeoutError,
  TooManySamplesError,
} from "../../engine/promql/mod.ts";
import type { FloatHistogram } from "../../engine/model/mod.ts";

Deno.test("ts() writes seconds with a millisecond fraction only when there is one, three digits as Prometheus", () => {
  assertEquals(ts(1_700_000_000_000), "1700000000");
  assertEquals(ts(1_700_000_000_500), "1700000000.500");
  assertEquals(ts(1_700_000_000_007), "1700000000.007");
  assertEquals(ts(-1500), "-1.500");
});

Deno.test("val() writes Go's 'f' form from 1e-6 to below 1e21 and the 'e' form outside", () => {
  assertEquals(val(1e-6), '"0.000001"');
  assertEquals(val(9.99999999999999e-7), '"9.99999999999999e-07"');
  assertEquals(val(1e21), '"1e+21"');
  assertEquals(val(999999999999999900000), '"999999999999999900000"');
  assertEquals(val(-0), '"-0"');
  assertEquals(val(0), '"0"');
  assertEquals(val(0.1 + 0.2), '"0.30000000000000004"');
  assertEquals(val(-123456.789), '"-123456.789"');
  assertEquals(val(NaN), '"NaN"');
  assertEquals(val(-Infinity), '"-Inf"');
  // Against the digit-by-digit formatting over many magnitudes.
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 20000; i++) {
    const v = (rnd() - 0.5) * Math.pow(10, Math.floor(rnd() * 60) - 30);
    const a = Math.abs(v);
    const want = a !== 0 && (a < 1e-6 || a >= 1e21) ? formatFloatE(v) : formatFloatF(v);
    assertEquals(val(v), `"${want}"`, String(v));
  }
});

Deno.test("exponentialBound() is 2^(idx/2^schema) correctly rounded", () => {
  // sqrt(2) = 1.41421356237309504880...; the nearest double prints as 1.4142135623730951.
  assertEquals(exponentialBound(1, 1), 1.4142135623730951);
  assertEquals(exponentialBound(-1, 1), 0.7071067811865476);
  assertEquals(exponentialBound(0, 3), 1);
  assertEquals(exponentialBound(8, 3), 2);
  assertEquals(exponentialBound(3, 0), 8);
  assertEquals(exponentialBound(1, -2), 16);
  assertEquals(exponentialBound(-3, -1), 1 / 64);
  // The bucket below the overflow bucket ends at the largest finite float.
  assertEquals(exponentialBound(1024, 0), Number.MAX_VALUE);
  assertEquals(exponentialBound(256, -2), Number.MAX_VALUE);
  assertEquals(exponentialBound(1025, 0), Infinity);
  // Every bound of schema 8 is the nearest double: its 256th power brackets the power of two.
  for (let j = 1; j < 256; j += 17) {
    const b = exponentialBound(j, 8);
    assert(b > 1 && b < 2, `bound ${j}`);
    const exact = 2 ** (j / 256);
    assert(Math.abs(b - exact) <= 2 ** -52, `bound ${j} is within one ulp of pow`);
  }
});

Deno.test("histogramJson() lists negative, zero and positive buckets from lowest to highest", () => {
  const h: FloatHistogram = {
    schema: 1,
    zeroThreshold: 0.5,
    zeroCount: 1,
    count: 10,
    sum: -1.5,
    positiveSpans: [{ offset: -1, length: 3 }],
    positiveBuckets: [1, 0, 2],
    negativeSpans: [{ offset: 0, length: 2 }],
    negativeBuckets: [3, 4],
  } as unknown as FloatHistogram;
  assertEquals(
    JSON.parse(histogramJson(h)),
    {
      count: "10",
      sum: "-1.5",
      buckets: [
        [1, "-1.4142135623730951", "-1", "4"],
        [1, "-1", "-0.7071067811865476", "3"],
        [3, "-0.5", "0.5", "1"],
        [0, "0.5", "0.7071067811865476", "1"],
        [0, "1", "1.4142135623730951", "2"],
      ],
    },
  );
});

Deno.test("failure() maps each error class to Prometheus's errorType and HTTP status", async () => {
  const cases: [Error, number, string][] = [
    [new BadDataError("bad"), 400, "bad_data"],
    [new WorkspaceNotFoundError("workspace ws-x not found"), 404, "not_found"],
    [new QueryTimeoutError(), 503, "timeout"],
    [new QueryCanceledError(), 499, "canceled"],
    [new QueryExecutionError("exec"), 422, "execution"],
    [new TooManySamplesError(), 422, "execution"],
    [new Error("disk on fire"), 500, "internal"],
  ];
  for (const [err, status, errorType] of cases) {
    const app = new Hono();
    app.get("/", () => {
      throw err;
    });
    app.onError((e, c) => failure(c, e));
    const res = await app.request("/");
    assertEquals(res.status, status, err.name);
    assertEquals(await res.json(), { status: "error", errorType, error: err.message });
  }
  const app = new Hono();
  app.get("/", () => {
    throw new QueryThrottledError(3);
  });
  app.onError((e, c) => failure(c, e));
  const res = await app.request("/");
  assertEquals(res.status, 429);
  assertEquals(res.headers.get("retry-after"), "3");
  await res.body?.cancel();
});

Deno.test("acceptedEncoding() picks gzip or deflate by q value, with * standing for both", () => {
  assertEquals(acceptedEncoding(undefined), undefined);
  assertEquals(acceptedEncoding("gzip, br"), "gzip");
  assertEquals(acceptedEncoding("br, deflate"), "deflate");
  assertEquals(acceptedEncoding("gzip;q=0.5, deflate;q=0.8"), "deflate");
  assertEquals(acceptedEncoding("gzip;q=0, *"), "deflate");
  assertEquals(acceptedEncoding("identity"), undefined);
  assertEquals(acceptedEncoding("*;q=0.1"), "gzip");
});
