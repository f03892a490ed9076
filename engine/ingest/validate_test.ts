import { assertEquals, assertThrows } from "../../tests/assert.ts";
import type { Label } from "../model/labels.ts";
import type { Exemplar, MetricMetadata, WriteRequest } from "../model/write.ts";
import { STALE_NAN } from "../model/value.ts";
import { ValidationError } from "./errors.ts";
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from "./limits.ts";
import { validateWrite, validateWritePartial } from "./validate.ts";
import { newFloatHistogram } from "../model/histogram.ts";

const NOW = 1_700_000_000_000;

function write(
  labels: [string, string][],
  t: number[] = [NOW],
  extra: { exemplars?: Exemplar[]; metadata?: MetricMetadata[]; schema?: number } = {},
): WriteRequest {
  const ls: Label[] = labels.map(([name, value]) => ({ name, value }));
  return {
    series: [{
      labels: ls,
      t: Float64Array.from(t),
      v: Float64Array.from(t, () => 1),
      histograms: extra.schema === undefined ? [] : [{
        t: NOW,
        h: newFloatHistogram({ schema: extra.schema }),
      }],
      exemplars: extra.exemplars ?? [],
      createdT: 0,
    }],
    metadata: extra.metadata ?? [],
  };
}

function fails(req: WriteRequest, limits: Partial<IngestLimits> = {}): [number, string, string] {
  const l = { ...DEFAULT_INGEST_LIMITS, ...limits };
  const e = assertThrows(() => validateWrite(req, l, NOW), ValidationError) as ValidationError;
  return [e.status, e.reason, e.message];
}

Deno.test("validateWrite() accepts NaN, ±Inf and staleness markers", () => {
  const req = write([["__name__", "up"]], [NOW - 3, NOW - 2, NOW - 1, NOW]);
  req.series[0].v.set([NaN, Infinity, -Infinity, STALE_NAN]);
  validateWrite(req, { ...DEFAULT_INGEST_LIMITS }, NOW);
});

Deno.test("validateWrite() rejects a missing or invalid metric name with Cortex's text", () => {
  assertEquals(fails(write([["job", "a"]])), [
    400,
    "missing_metric_name",
    "sample missing metric name",
  ]);
  assertEquals(fails(write([["__name__", "1up"]])), [
    400,
    "metric_name_invalid",
    'sample invalid metric name: "1up"',
  ]);
  // UTF-8 names are fine under the utf8 scheme.
  validateWrite(write([["__name__", "up.time"], ["ünï", "x"]]), {
    ...DEFAULT_INGEST_LIMITS,
    nameValidation: "utf8",
  }, NOW);
});

Deno.test("validateWrite() rejects invalid and duplicate label names", () => {
  assertEquals(fails(write([["__name__", "up"], ["a-b", "1"]])), [
    400,
    "label_invalid",
    'sample invalid label: "a-b" metric "up{a-b=\\"1\\"}"',
  ]);
  assertEquals(fails(write([["__name__", "up"], ["a", "1"], ["a", "2"]])), [
    400,
    "duplicate_label_names",
    'duplicate label name: "a" metric "up{a=\\"1\\", a=\\"2\\"}"',
  ]);
});

Deno.test("validateWrite() enforces 150 labels and 7 KB of labels per series", () => {
  const many: [string, string][] = [["__name__", "m"]];
  for (let i = 0; i < 150; i++) many.push([`l${String(i).padStart(3, "0")}`, "v"]);
  const [code, reason, msg] = fails(write(many));
  assertEquals([code, reason], [400, "max_label_names_per_series"]);
  assertEquals(
    msg.startsWith('series has too many labels (actual: 151, limit: 150) series: \'m{l000="v"'),
    true,
  );
  const big: [string, string][] = [["__name__", "m"]];
  for (let i = 0; i < 4; i++) big.push([`l${i}`, "x".repeat(2000)]);
  const [c2, r2, m2] = fails(write(big));
  assertEquals([c2, r2], [400, "labels_size_bytes_exceeded"]);
  assertEquals(
    m2.slice(0, 79),
    'labels size bytes exceeded for metric (actual: 8041, limit: 7168) metric: "m{l0',
  );
  const [c3, r3] = fails(write([["__name__", "m"], ["a", "x".repeat(2049)]]));
  assertEquals([c3, r3], [400, "label_value_too_long"]);
});

Deno.test("validateWrite() rejects samples older than 1 h unless the age check is disabled", () => {
  const old = write([["__name__", "up"]], [NOW - 3_600_001, NOW]);
  assertEquals(fails(old), [
    400,
    "greater_than_max_sample_age",
    `timestamp too old: ${NOW - 3_600_001} metric: "up"`,
  ]);
  validateWrite(old, { ...DEFAULT_INGEST_LIMITS, sampleAgeMaxMs: 0 }, NOW);
  validateWrite(write([["__name__", "up"]], [NOW - 3_600_000]), { ...DEFAULT_INGEST_LIMITS }, NOW);
  // Negative timestamps are representable and simply too old.
  assertEquals(fails(write([["__name__", "up"]], [-5]))[1], "greater_than_max_sample_age");
});

Deno.test("validateWrite() checks exemplars, histogram schemas and metadata like Cortex", () => {
  const ex = (labels: Label[], t: number): Exemplar => ({ labels, value: 1, t });
  assertEquals(
    fails(write([["__name__", "up"]], [NOW], { exemplars: [ex([], NOW)] }))[2],
    `exemplar missing labels, timestamp: ${NOW} series: {__name__="up"} labels: {}`,
  );
  assertEquals(
    fails(
      write([["__name__", "up"]], [NOW], { exemplars: [ex([{ name: "t", value: "1" }], 0)] }),
    )[1],
    "exemplar_timestamp_invalid",
  );
  assertEquals(
    fails(
      write([["__name__", "up"]], [NOW], {
        exemplars: [ex([{ name: "t", value: "x".repeat(128) }], NOW)],
      }),
    )[1],
    "exemplar_labels_too_long",
  );
  validateWrite(
    write([["__name__", "up"]], [NOW], {
      exemplars: [ex([{ name: "trace_id", value: "abc" }], NOW)],
      schema: -53,
    }),
    { ...DEFAULT_INGEST_LIMITS },
    NOW,
  );
  assertEquals(
    fails(write([["__name__", "up"]], [NOW], { schema: 9 }))[2],
    'invalid native histogram schema 9 for metric: "up". supported schema from -4 to 8',
  );
  const md = (metric: string, help = ""): MetricMetadata => ({
    metric,
    type: "counter",
    help,
    unit: "",
  });
  assertEquals(fails(write([["__name__", "up"]], [NOW], { metadata: [md("")] })), [
    400,
    "missing_metric_name",
    "metadata missing metric name",
  ]);
  const [c, r, m] = fails(
    write([["__name__", "up"]], [NOW], { metadata: [md("up", "h".repeat(1025))] }),
  );
  assertEquals([c, r], [400, "help_too_long"]);
  assertEquals(m, `metadata 'HELP' value too long: "${"h".repeat(200)}" metric "up"`);
});

Deno.test("validateWritePartial() drops invalid series whole (as Cortex) and keeps the rest", () => {
  const old = write([["__name__", "up"], ["i", "1"]], [NOW - 3_600_001, NOW - 1000, NOW]);
  const bad = write([["__name__", "up"], ["a-b", "1"]]);
  const good = write([["__name__", "up"], ["i", "2"]], [NOW]);
  const req: WriteRequest = {
    series: [...old.series, ...bad.series, ...good.series],
    metadata: [{ metric: "", type: "gauge", help: "", unit: "" }, {
      metric: "up",
      type: "gauge",
      help: "ok",
      unit: "",
    }],
  };
  const out = validateWritePartial(req, { ...DEFAULT_INGEST_LIMITS }, NOW);
  assertEquals(out.error?.reason, "greater_than_max_sample_age");
  assertEquals(out.discarded, {
    greater_than_max_sample_age: 3,
    label_invalid: 1,
    missing_metric_name: 1,
  });
  assertEquals(out.request.series, good.series);
  assertEquals(out.request.metadata.map((m) => m.metric), ["up"]);
  const clean = validateWritePartial(good, { ...DEFAULT_INGEST_LIMITS }, NOW);
  assertEquals([clean.error, clean.request.series === good.series], [undefined, true]);
});
