/**
 * Typed ingest errors. Each carries the HTTP status and the exact text Prometheus, Cortex or AMP
 * answer with, plus the discard reason AMP reports in `DiscardedSamples{reason}`.
 * The route writes `message` as the plain-text body (Prometheus's `http.Error` adds a newline).
 */
import type { Labels } from "../model/labels.ts";
import { formatFloatG, goQuote } from "../model/go_format.ts";

/** Base class of every error ingest throws on bad input or limits; never thrown for bugs. */
export class IngestError extends Error {
  /** HTTP status the route answers with. */
  readonly status: number;
  /** AMP/Cortex discard reason, "" when none applies. */
  readonly reason: string;
  constructor(message: string, status: number, reason = "") {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.reason = reason;
  }
}

/** 415: a Content-Type or Content-Encoding we do not speak. */
export class UnsupportedMediaTypeError extends IngestError {
  constructor(message: string) {
    super(message, 415);
  }
}

/** 400: the compressed body or its declared decompressed size exceeds a limit (Cortex text). */
export class BodyTooLargeError extends IngestError {
  constructor(actual: number, limit: number) {
    super(`received message larger than max (${actual} vs ${limit})`, 400);
  }
}

/**
 * 400: the snappy block is corrupt or truncated. The text is Go snappy's `ErrCorrupt`, which is
 * what Prometheus and Cortex answer with; the decoder's explanation is kept in `detail`.
 */
export class SnappyDecodeError extends IngestError {
  /** What exactly was wrong, for logs. */
  readonly detail: string;
  constructor(detail: string) {
    super("snappy: corrupt input", 400);
    this.detail = detail;
  }
}

/** 400: the protobuf message is malformed (truncated, bad wire type, bad UTF-8, bad ref). */
export class ProtobufDecodeError extends IngestError {
  constructor(detail: string, offset: number) {
    super(`proto: cannot parse remote write request: ${detail} at byte ${offset}`, 400);
  }
}

/** 400: a series or metadata entry fails stateless validation (Cortex validate wording). */
export class ValidationError extends IngestError {
  constructor(message: string, reason: string) {
    super(message, 400, reason);
  }
}

/** 429: the workspace's token bucket cannot cover the request. */
export class RateLimitedError extends IngestError {
  /** Seconds until the bucket holds enough tokens (for `Retry-After`), at least 1. */
  readonly retryAfterSeconds: number;
  constructor(limit: number, samples: number, metadata: number, retryAfterSeconds: number) {
    super(
      `ingestion rate limit (${
        formatFloatG(limit)
      }) exceeded while adding ${samples} samples and ${metadata} metadata`,
      429,
      "rate_limited",
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 400: the workspace already tracks the maximum number of HA clusters (Cortex text). */
export class TooManyHaClustersError extends IngestError {
  constructor(limit: number) {
    super(`too many HA replicaGroups (limit: ${limit})`, 400, "too_many_ha_clusters");
  }
}

/**
 * Cortex's `formatLabelSet`: `name{a="1", b="2"}` (values Go-quoted), `name` alone, or `{}`.
 */
export function formatLabelSet(labels: Labels): string {
  let name = "";
  let hasName = false;
  const parts: string[] = [];
  for (const l of labels) {
    if (l.name === "__name__" && !hasName && l.value !== "") {
      name = l.value;
      hasName = true;
    } else {
      parts.push(`${l.name}=${goQuote(l.value)}`);
    }
  }
  if (parts.length === 0) return hasName ? name : "{}";
  return `${name}{${parts.join(", ")}}`;
}
