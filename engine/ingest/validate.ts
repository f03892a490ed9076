/**
 * Stateless validation of a decoded write, with Cortex's texts (pkg/util/validation) and AMP's
 * discard reasons. `validateWrite` is all-or-nothing (the design's rule): the first invalid
 * series, sample or metadata entry rejects the whole request with a 400 and nothing is stored.
 * `validateWritePartial` is Cortex/AMP's behaviour instead: series with an invalid part and
 * invalid metadata are dropped, the rest is kept, and the first error is returned for the 400
 * answer after the valid part is stored. Checks run in Cortex's order.
 * NaN, ±Inf and the staleness marker are valid sample values. Valid native histograms and
 * exemplars are carried to storage, never silently dropped.
 */
import type { Label, Labels } from "../model/labels.ts";
import type { Exemplar, MetricMetadata, WriteRequest, WriteSeries } from "../model/write.ts";
import { ColumnSeries } from "../model/write.ts";
import { formatLabelSet, ValidationError } from "./errors.ts";
import { goQuote, goQuoteMax } from "../model/go_format.ts";
import { labelsString } from "../model/labels.ts";
import { EXEMPLAR_LABELS_LENGTH_MAX, type IngestLimits } from "./limits.ts";

/** Native histogram exponential schemas Cortex accepts, plus custom buckets (−53). */
const SCHEMA_MIN = -4;
const SCHEMA_MAX = 8;
const SCHEMA_CUSTOM = -53;

/**
 * Label sets that passed label validation carry, under this private symbol, the limits object
 * they passed. Cached Labels objects come back on every request, so re-validation is one
 * property load (a WeakSet lookup cost ~5x more per series).
 */
const VALIDATED: unique symbol = Symbol("promenade.validatedFor");
type Marked = Labels & { [VALIDATED]?: IngestLimits };

/**
 * Validates `req` in place against `limits` at wall-clock time `nowMs`; throws the first
 * `ValidationError`. Label validation of a label set is remembered per `limits` object on the
 * (cached) `Labels` object itself, so a series seen before costs one property load.
 */
export function validateWrite(req: WriteRequest, limits: IngestLimits, nowMs: number): void {
  const minT = limits.sampleAgeMaxMs > 0 ? nowMs - limits.sampleAgeMaxMs : -Infinity;
  for (const s of req.series) {
    const err = seriesError(s, limits, minT);
    if (err) throw err;
  }
  for (const m of req.metadata) validateMetadata(m, limits);
}

/**
 * The first problem of one series in Cortex's order (distributor `validateSeries`): labels,
 * float sample ages, exemplars, then histogram ages and schemas.
 */
function seriesError(
  s: WriteSeries,
  limits: IngestLimits,
  minT: number,
): ValidationError | undefined {
  const ls = s.labels as Marked;
  // The decoder's word first: it is kept beside its index, not on the (cache-cold) Labels.
  if ((s as ColumnSeries).validFor !== limits && ls[VALIDATED] !== limits) {
    try {
      validateLabels(ls, limits);
    } catch (e) {
      if (e instanceof ValidationError) return e;
      throw e;
    }
    if (!Object.isFrozen(ls)) ls[VALIDATED] = limits;
  }
  // Columns are ascending, so the first sample is the oldest.
  if (s instanceof ColumnSeries) {
    if (s.end > s.start && s.T[s.start] < minT) return tooOld(ls, s.T[s.start]);
  } else if (s.t.length > 0 && s.t[0] < minT) return tooOld(ls, s.t[0]);
  // Indexed loops: for-of over the (usually empty) per-series arrays allocated an iterator
  // each, ~216 B per series on every request (measured with Deno.memoryUsage()).
  const ex = s.exemplars;
  for (let i = 0; i < ex.length; i++) {
    const err = exemplarError(ls, ex[i]);
    if (err) return err;
  }
  const hs = s.histograms;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i];
    if (h.t < minT) return tooOld(ls, h.t);
    const err = checkHistogram(ls, h.h.schema);
    if (err) return err;
  }
  return undefined;
}

function checkHistogram(labels: Labels, schema: number): ValidationError | undefined {
  if ((schema < SCHEMA_MIN || schema > SCHEMA_MAX) && schema !== SCHEMA_CUSTOM) {
    return new ValidationError(
      `invalid native histogram schema ${schema} for metric: ${
        goQuoteMax(formatLabelSet(labels), 200)
      }. supported schema from ${SCHEMA_MIN} to ${SCHEMA_MAX}`,
      "native_histogram_invalid_schema",
    );
  }
  return undefined;
}

/** What `validateWritePartial` kept and dropped. */
export interface PartialValidation {
  /** The valid part (the same series objects, minus the dropped ones). */
  request: WriteRequest;
  /** The first error, for the 400 answer; undefined when nothing was dropped. */
  error: ValidationError | undefined;
  /** Dropped samples + histogram samples (and metadata entries) per discard reason. */
  discarded: Record<string, number>;
}

/**
 * Cortex's partial semantics: a series with any invalid part (labels, a too-old sample, an
 * invalid exemplar or histogram) is dropped whole, as are invalid metadata entries; everything
 * else is kept and the first error is returned for the 400 answer.
 */
export function validateWritePartial(
  req: WriteRequest,
  limits: IngestLimits,
  nowMs: number,
): PartialValidation {
  const minT = limits.sampleAgeMaxMs > 0 ? nowMs - limits.sampleAgeMaxMs : -Infinity;
  let error: ValidationError | undefined;
  const discarded: Record<string, number> = {};
  const drop = (e: ValidationError, n: number) => {
    error ??= e;
    discarded[e.reason] = (discarded[e.reason] ?? 0) + n;
  };
  let series = req.series;
  for (let i = 0; i < req.series.length; i++) {
    const s = req.series[i];
    const err = seriesError(s, limits, minT);
    if (err === undefined) {
      if (series !== req.series) series.push(s);
      continue;
    }
    if (series === req.series) series = req.series.slice(0, i);
    drop(err, s.t.length + s.histograms.length);
  }
  const metadata = req.metadata.filter((m) => {
    try {
      validateMetadata(m, limits);
      return true;
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      drop(e, 1);
      return false;
    }
  });
  return { request: { series, metadata }, error, discarded };
}

function metricName(labels: Labels): string {
  for (const l of labels) if (l.name === "__name__") return l.value;
  return "";
}

function tooOld(labels: Labels, t: number): ValidationError {
  return new ValidationError(
    `timestamp too old: ${t} metric: ${goQuoteMax(metricName(labels), 200)}`,
    "greater_than_max_sample_age",
  );
}

const LEGACY_METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** True when `name` is a valid metric name under the scheme. */
export function isValidMetricName(name: string, scheme: "legacy" | "utf8"): boolean {
  return scheme === "legacy" ? LEGACY_METRIC.test(name) : name.length > 0;
}

/** True when `name` is a valid label name under the scheme. */
export function isValidLabelName(name: string, scheme: "legacy" | "utf8"): boolean {
  return scheme === "legacy" ? LEGACY_LABEL.test(name) : name.length > 0;
}

/** UTF-8 byte length of a string. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 1; // a surrogate pair is 2 UTF-16 units and 4 UTF-8 bytes
      i++;
    } else n += 2;
  }
  return n;
}

function varintSize(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

/** Cortex's label size accounting: the protobuf size of each Label message's fields. */
function labelSize(nameBytes: number, valueBytes: number): number {
  let n = 0;
  if (nameBytes > 0) n += 1 + nameBytes + varintSize(nameBytes);
  if (valueBytes > 0) n += 1 + valueBytes + varintSize(valueBytes);
  return n;
}

/** Validates one series' labels as Cortex's ValidateMetricName + ValidateLabels. */
export function validateLabels(labels: Labels, limits: IngestLimits): void {
  const name = metricName(labels);
  if (name === "") throw new ValidationError("sample missing metric name", "missing_metric_name");
  if (!isValidMetricName(name, limits.nameValidation)) {
    throw new ValidationError(
      `sample invalid metric name: ${goQuoteMax(name, 200)}`,
      "metric_name_invalid",
    );
  }
  if (labels.length > limits.labelNamesPerSeriesMax) {
    throw new ValidationError(
      `series has too many labels (actual: ${labels.length}, limit: ${limits.labelNamesPerSeriesMax}) series: '${
        metricString(labels)
      }'`,
      "max_label_names_per_series",
    );
  }
  let last = "";
  let size = 0;
  for (const l of labels) {
    const series = () => goQuoteMax(formatLabelSet(labels), 200);
    if (!isValidLabelName(l.name, limits.nameValidation)) {
      throw new ValidationError(
        `sample invalid label: ${goQuoteMax(l.name, 200)} metric ${series()}`,
        "label_invalid",
      );
    }
    const nb = utf8Length(l.name), vb = utf8Length(l.value);
    if (nb > limits.labelNameLengthMax) {
      throw new ValidationError(
        `label name too long for metric (actual: ${nb}, limit: ${limits.labelNameLengthMax}) metric: ${series()} label name: ${
          goQuoteMax(l.name, 200)
        }`,
        "label_name_too_long",
      );
    }
    if (vb > limits.labelValueLengthMax) {
      throw new ValidationError(
        `label value too long for metric (actual: ${vb}, limit: ${limits.labelValueLengthMax}) metric: ${series()} label name: ${
          goQuoteMax(l.name, 200)
        } label value: ${goQuoteMax(l.value, 200)}`,
        "label_value_too_long",
      );
    }
    if (l.name === last) {
      throw new ValidationError(
        `duplicate label name: ${goQuoteMax(l.name, 200)} metric ${series()}`,
        "duplicate_label_names",
      );
    }
    last = l.name;
    size += labelSize(nb, vb);
  }
  if (size > limits.labelsSizeBytesMax) {
    throw new ValidationError(
      `labels size bytes exceeded for metric (actual: ${size}, limit: ${limits.labelsSizeBytesMax}) metric: ${
        goQuoteMax(formatLabelSet(labels), 200)
      }`,
      "labels_size_bytes_exceeded",
    );
  }
}

/** Prometheus `model.Metric.String()`: `name{a="1", b="2"}` with labels sorted by name. */
function metricString(labels: Labels): string {
  const name = metricName(labels);
  const rest = labels.filter((l: Label) => l.name !== "__name__")
    .map((l) => `${l.name}=${goQuote(l.value)}`);
  if (rest.length === 0) return name === "" ? "{}" : name;
  return `${name}{${rest.join(", ")}}`;
}

function exemplarError(series: Labels, e: Exemplar): ValidationError | undefined {
  try {
    validateExemplar(series, e);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  return undefined;
}

function validateExemplar(series: Labels, e: Exemplar): void {
  const ctx = () => `series: ${labelsString(series)} labels: ${labelsString(e.labels)}`;
  if (e.labels.length === 0) {
    throw new ValidationError(
      `exemplar missing labels, timestamp: ${e.t} ${ctx()}`,
      "exemplar_labels_missing",
    );
  }
  if (e.t === 0) {
    throw new ValidationError(
      `exemplar missing timestamp, timestamp: ${e.t} ${ctx()}`,
      "exemplar_timestamp_invalid",
    );
  }
  let runes = 0;
  for (const l of e.labels) runes += [...l.name].length + [...l.value].length;
  if (runes > EXEMPLAR_LABELS_LENGTH_MAX) {
    throw new ValidationError(
      `exemplar combined labelset exceeds ${EXEMPLAR_LABELS_LENGTH_MAX} characters, timestamp: ${e.t} ${ctx()}`,
      "exemplar_labels_too_long",
    );
  }
}

/** Validates one metadata entry as Cortex's ValidateMetadata (metric name required, 1 KB). */
export function validateMetadata(m: MetricMetadata, limits: IngestLimits): void {
  if (m.metric === "") {
    throw new ValidationError("metadata missing metric name", "missing_metric_name");
  }
  const max = limits.metadataLengthMax;
  let kind = "", cause = "", reason = "";
  if (utf8Length(m.metric) > max) {
    (kind = "METRIC_NAME"), (cause = m.metric), (reason = "metric_name_too_long");
  } else if (utf8Length(m.help) > max) {
    (kind = "HELP"), (cause = m.help), (reason = "help_too_long");
  } else if (utf8Length(m.unit) > max) {
    (kind = "UNIT"), (cause = m.unit), (reason = "unit_too_long");
  }
  if (reason !== "") {
    throw new ValidationError(
      `metadata '${kind}' value too long: ${goQuoteMax(cause, 200)} metric ${
        goQuoteMax(m.metric, 200)
      }`,
      reason,
    );
  }
}

/**
 * Asserts the shape invariants ingest guarantees to storage (programmer errors, `BUG:`):
 * labels sorted by name with no empty values, equal-length ascending sample columns with
 * safe-integer timestamps. O(samples); call it in tests and wherever data is about to be stored.
 */
export function assertWriteRequest(req: WriteRequest): void {
  for (const s of req.series) {
    for (let i = 0; i < s.labels.length; i++) {
      const l = s.labels[i];
      if (l.value === "") throw new Error(`BUG: empty label value in ${formatLabelSet(s.labels)}`);
      if (i > 0 && s.labels[i - 1].name > l.name) {
        throw new Error(`BUG: labels not sorted: ${formatLabelSet(s.labels)}`);
      }
    }
    if (s.t.length !== s.v.length) throw new Error("BUG: t and v columns differ in length");
    for (let i = 0; i < s.t.length; i++) {
      if (!Number.isSafeInteger(s.t[i])) {
        throw new Error(`BUG: timestamp ${s.t[i]} not a safe integer`);
      }
      if (i > 0 && s.t[i] < s.t[i - 1]) throw new Error("BUG: samples not ascending by time");
    }
    for (const h of s.histograms) {
      if (!Number.isSafeInteger(h.t)) throw new Error(`BUG: timestamp ${h.t} not a safe integer`);
    }
  }
}
