/**
 * Storage errors: typed, with the HTTP status the route answers and Cortex/AMP wording.
 */
import type { Labels } from "../model/labels.ts";
import { labelsString } from "../model/labels.ts";

/** Base class of every rejection of a write by storage; nothing was changed. */
export class StorageWriteError extends RangeError {
  override name = "StorageWriteError";
  /** HTTP status the route should answer with. */
  readonly status: number;
  /** AMP `DiscardedSamples` reason. */
  readonly reason: string;
  constructor(message: string, status: number, reason: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

function tsdbIngestMessage(cause: string, user: string, t: number, labels: Labels): string {
  // Cortex: `user=%s: err: %v. timestamp=%s, series=%s` (RFC 3339 with nanoseconds, UTC).
  return `user=${user}: err: ${cause}. timestamp=${rfc3339Nano(t)}, series=${labelsString(labels)}`;
}

/** A sample older than the out-of-order window (Prometheus `out of order sample`), HTTP 400. */
export class OutOfOrderSampleError extends StorageWriteError {
  override name = "OutOfOrderSampleError";
  constructor(user: string, t: number, labels: Labels) {
    super(tsdbIngestMessage("out of order sample", user, t, labels), 400, "sample-out-of-order");
  }
}

/** Same timestamp as an existing sample with a different value, HTTP 400. */
export class DuplicateSampleError extends StorageWriteError {
  override name = "DuplicateSampleError";
  constructor(user: string, t: number, labels: Labels) {
    super(
      tsdbIngestMessage("duplicate sample for timestamp", user, t, labels),
      400,
      "new-value-for-timestamp",
    );
  }
}

/** The workspace's active series limit would be exceeded by new series, HTTP 400 (AMP current). */
export class SeriesLimitError extends StorageWriteError {
  override name = "SeriesLimitError";
  constructor(user: string, limit: number, actual: number) {
    super(
      `user=${user}: per-user series limit of ${limit} exceeded, please contact administrator ` +
        `to raise it (local limit: 0 global limit: ${limit} actual local limit: ${actual})`,
      400,
      "per_user_series_limit",
    );
  }
}

/** A `limitsPerLabelSet` entry would be exceeded by new series, HTTP 400. */
export class LabelSetSeriesLimitError extends StorageWriteError {
  override name = "LabelSetSeriesLimitError";
  constructor(user: string, limit: number, labelSet: Readonly<Record<string, string>>) {
    super(
      `user=${user}: per-labelset series limit of ${limit} exceeded (labelSet: ${
        labelSetString(labelSet)
      }, local limit: 0 global limit: ${limit} actual)`,
      400,
      "per_labelset_series_limit",
    );
  }
}

/** The store is closed or the workspace was deleted, HTTP 503. */
export class StorageClosedError extends Error {
  override name = "StorageClosedError";
  readonly status = 503;
}

/**
 * Another instance opened this workspace for writing (it holds the writer lease now); this
 * instance's appends fail until it reopens the workspace, HTTP 503.
 */
export class WriterLeaseLostError extends StorageClosedError {
  override name = "WriterLeaseLostError";
}

/** Prometheus text form of a label set given as a record (sorted by name). */
export function labelSetString(set: Readonly<Record<string, string>>): string {
  const names = Object.keys(set).sort();
  return "{" + names.map((n) => `${n}=${JSON.stringify(set[n])}`).join(", ") + "}";
}

/** Go's `time.RFC3339Nano` in UTC for a millisecond timestamp (trailing zeros trimmed). */
export function rfc3339Nano(t: number): string {
  const iso = new Date(t).toISOString(); // 2006-01-02T15:04:05.000Z
  const frac = iso.slice(20, 23).replace(/0+$/, "");
  return iso.slice(0, 19) + (frac ? "." + frac : "") + "Z";
}
