/**
 * A decoded, validated remote-write request: what ingest hands the storage Appender.
 * Both remote write 1.0 and 2.0 decode to this shape.
 */
import type { Labels } from "./labels.ts";
import type { HPoint } from "./histogram.ts";

/** An exemplar attached to a series. */
export interface Exemplar {
  labels: Labels;
  value: number;
  t: number;
}

/** Metric metadata (type, help, unit) for one metric family. */
export interface MetricMetadata {
  metric: string;
  type: string;
  help: string;
  unit: string;
}

/** The samples of one series in a request, float samples in columns, each column ascending by time. */
export interface WriteSeries {
  labels: Labels;
  /** Float sample timestamps, ms. Same length as `v`. */
  t: Float64Array;
  /** Float sample values (may hold NaN, ±Inf and the staleness marker). */
  v: Float64Array;
  histograms: HPoint[];
  exemplars: Exemplar[];
  /** Remote write 2.0 created timestamp (ms), 0 when unknown. */
  createdT: number;
}

/** A whole decoded request. */
export interface WriteRequest {
  series: WriteSeries[];
  metadata: MetricMetadata[];
}
