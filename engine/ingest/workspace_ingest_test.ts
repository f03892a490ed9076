import { assert, assertEquals, assertThrows } from "../../tests/assert.ts";
import { create } from "@bufbuild/protobuf";
import { RateLimitedError, ValidationError } from "./errors.ts";
import { encodeV1, encodeV2 } from "./payloads.ts";
import { snappyEncode } from "./snappy.ts";
import { ingestLimits } from "./limits.ts";
import { WorkspaceIngest } from "./workspace_ingest.ts";
import { writtenHeaders } from "./remote_write.ts";
import { WriteRequestSchema } from "./gen/prometheus/remote_pb.ts";
import { RequestSchema } from "./gen/io/prometheus/write/v2/types_pb.ts";

const NOW = 1_700_000_000_000;
const V1 = new Headers({ "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy" });
const V2 = new Headers({
  "Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request",
  "Content-Encoding": "snappy",
  "X-Prometheus-Remote-Write-Version": "2.0.0",
});

function v1Body(replica: string, n: number, t = NOW): Uint8Array {
  return snappyEncode(encodeV1(create(WriteRequestSchema, {
    timeseries: Array.from({ length: n }, (_, i) => ({
      labels: [
        { name: "__name__", value: "up" },
        { name: "__replica__", value: replica },
        { name: "cluster", value: "c1" },
        { name: "i", value: String(i) },
      ],
      samples: [{ value: i, timestamp: BigInt(t) }],
    })),
    metadata: [{ type: 2, metricFamilyName: "up", help: "Up.", unit: "" }],
  })));
}

Deno.test("WorkspaceIngest.prepare() runs decode, HA dedup, validation and the rate limit", () => {
  let now = NOW;
  const ws = new WorkspaceIngest({
    limits: ingestLimits({ ingestionRate: 100, ingestionBurst: 25 }, () => undefined),
    clock: () => now,
  });
  const a = ws.prepare(v1Body("r1", 10), V1);
  assertEquals(a.kind, "write");
  if (a.kind !== "write") return;
  assertEquals(a.counts, { samples: 10, histograms: 0, exemplars: 0 });
  assertEquals(a.request.series[0].labels.map((l) => l.name), ["__name__", "cluster", "i"]);
  assertEquals(a.request.metadata, [{ metric: "up", type: "gauge", help: "Up.", unit: "" }]);
  // The other replica is dropped with a success answer and costs no tokens.
  const b = ws.prepare(v1Body("r2", 10), V1);
  assertEquals(b.kind, "deduped");
  // 14 tokens left: 10 samples + 1 metadata fits, then 10 + 1 more does not.
  ws.prepare(v1Body("r1", 10), V1);
  const e = assertThrows(
    () => ws.prepare(v1Body("r1", 10), V1),
    RateLimitedError,
  ) as RateLimitedError;
  assertEquals(
    e.message,
    "ingestion rate limit (100) exceeded while adding 10 samples and 1 metadata",
  );
  assert(e.retryAfterSeconds >= 1);
  now += 1000;
  ws.prepare(v1Body("r1", 10), V1);
  // Too old samples are a 400 with AMP's reason.
  const old = assertThrows(
    () => ws.prepare(v1Body("r1", 1, now - 2 * 3600_000), V1),
    ValidationError,
  );
  assertEquals((old as ValidationError).reason, "greater_than_max_sample_age");
});

Deno.test("WorkspaceIngest.prepare() counts 2.0 samples, histograms and exemplars for the headers", () => {
  const ws = new WorkspaceIngest({ clock: () => NOW, limits: ingestLimits({}, () => undefined) });
  const body = snappyEncode(encodeV2(create(RequestSchema, {
    symbols: ["", "__name__", "rpc_seconds", "trace_id", "abc", "Latency.", "seconds"],
    timeseries: [{
      labelsRefs: [1, 2],
      samples: [{ value: 1, timestamp: BigInt(NOW) }, { value: 2, timestamp: BigInt(NOW + 1) }],
      histograms: [{
        count: { case: "countInt", value: 3n },
        sum: 1.5,
        schema: 0,
        positiveSpans: [{ offset: 0, length: 2 }],
        positiveDeltas: [1n, 1n],
        timestamp: BigInt(NOW),
      }],
      exemplars: [{ labelsRefs: [3, 4], value: 1, timestamp: BigInt(NOW) }],
      metadata: { type: 3, helpRef: 5, unitRef: 6 },
      createdTimestamp: BigInt(NOW - 60_000),
    }],
  })));
  const p = ws.prepare(body, V2);
  assertEquals(p.kind, "write");
  if (p.kind !== "write") return;
  assertEquals(p.version, "2.0");
  assertEquals(writtenHeaders(p.counts), {
    "X-Prometheus-Remote-Write-Samples-Written": "2",
    "X-Prometheus-Remote-Write-Histograms-Written": "1",
    "X-Prometheus-Remote-Write-Exemplars-Written": "1",
  });
  const s = p.request.series[0];
  assertEquals(s.histograms[0].h.positiveBuckets, [1, 2], "integer deltas become absolute counts");
  assertEquals(s.exemplars[0].labels, [{ name: "trace_id", value: "abc" }]);
  assertEquals(s.createdT, NOW - 60_000);
  assertEquals(p.request.metadata, [{
    metric: "rpc_seconds",
    type: "histogram",
    help: "Latency.",
    unit: "seconds",
  }]);
});

Deno.test("ingestLimits() reads PROMENADE_SAMPLE_AGE_MAX where 0 disables the age check", () => {
  assertEquals(ingestLimits({}, () => undefined).sampleAgeMaxMs, 3_600_000);
  const env = (n: string) => (n === "PROMENADE_SAMPLE_AGE_MAX" ? "0" : undefined);
  assertEquals(ingestLimits({}, env).sampleAgeMaxMs, 0);
  assertThrows(() => ingestLimits({}, () => "-3"), RangeError);
});

Deno.test("WorkspaceIngest in partial mode keeps valid series and reports the first error", () => {
  const ws = new WorkspaceIngest({
    clock: () => NOW,
    limits: ingestLimits({}, () => undefined),
    validation: "partial",
  });
  const body = snappyEncode(encodeV1(create(WriteRequestSchema, {
    timeseries: [
      {
        labels: [{ name: "__name__", value: "up" }],
        samples: [{ value: 1, timestamp: BigInt(NOW - 7_200_000) }, {
          value: 2,
          timestamp: BigInt(NOW),
        }],
      },
      { labels: [{ name: "job", value: "x" }], samples: [{ value: 1, timestamp: BigInt(NOW) }] },
      {
        labels: [{ name: "__name__", value: "ok" }],
        samples: [{ value: 3, timestamp: BigInt(NOW) }],
      },
    ],
  })));
  const p = ws.prepare(body, V1);
  assert(p.kind === "write");
  assertEquals(p.error?.message, `timestamp too old: ${NOW - 7_200_000} metric: "up"`);
  assertEquals(p.counts.samples, 1);
  assertEquals(Array.from(p.request.series[0].v), [3]);
});

Deno.test("WorkspaceIngest.configure() changes the rate limit in place", () => {
  let now = NOW;
  const ws = new WorkspaceIngest({
    limits: ingestLimits({ ingestionRate: 10, ingestionBurst: 10 }, () => undefined),
    clock: () => now,
  });
  assertThrows(() => ws.prepare(v1Body("r1", 20), V1), RateLimitedError);
  ws.configure(ingestLimits({ ingestionRate: 1000, ingestionBurst: 1000 }, () => undefined));
  now += 1000;
  assertEquals(ws.prepare(v1Body("r1", 20), V1).kind, "write");
});

Deno.test("label sets that passed validation are marked beside the decoder's index, per limits object", () => {
  const ws = new WorkspaceIngest({
    limits: ingestLimits({ sampleAgeMaxMs: 0 }, () => undefined),
    clock: () => NOW,
  });
  const body = (t: number) =>
    snappyEncode(encodeV1(create(WriteRequestSchema, {
      timeseries: Array.from({ length: 40 }, (_, i) => ({
        labels: [
          { name: "__name__", value: "m" },
          { name: "a", value: "1" },
          { name: "b", value: "2" },
          { name: "i", value: String(i) },
        ],
        samples: [{ value: i, timestamp: BigInt(t) }],
      })),
    })));
  const series = (t: number) => {
    const p = ws.prepare(body(t), V1);
    assert(p.kind === "write");
    return p.request.series;
  };
  const first = series(NOW);
  const limits = ws.limits;
  assert(first.every((s) => !("validFor" in s) || s.validFor === undefined), "new: not marked");
  const second = series(NOW + 15_000);
  assert(second.every((s) => (s as { validFor?: unknown }).validFor === limits), "marked");
  // New limits: the marks are for the old object, so the labels are checked again, and fail.
  ws.configure(ingestLimits({ sampleAgeMaxMs: 0, labelNamesPerSeriesMax: 3 }, () => undefined));
  const e = assertThrows(() => ws.prepare(body(NOW + 30_000), V1), ValidationError);
  assert(e.message.startsWith("series has too many labels (actual: 4, limit: 3)"), e.message);
  // Back to roomy limits: valid again, marked for the new object from the next request on.
  ws.configure(ingestLimits({ sampleAgeMaxMs: 0 }, () => undefined));
  const third = series(NOW + 45_000);
  assert(third.every((s) => (s as { validFor?: unknown }).validFor !== ws.limits), "rechecked");
  const fourth = series(NOW + 60_000);
  assert(fourth.every((s) => (s as { validFor?: unknown }).validFor === ws.limits), "marked");
});

Deno.test("requests relabelled by the HA tracker leave no validation marks", () => {
  const ws = new WorkspaceIngest({ clock: () => NOW });
  for (let r = 0; r < 3; r++) {
    const p = ws.prepare(v1Body("r1", 10), V1);
    assert(p.kind === "write");
    for (const s of p.request.series) {
      assertEquals((s as { validFor?: unknown }).validFor, undefined);
      assert(!s.labels.some((l) => l.name === "__replica__"));
    }
  }
});
