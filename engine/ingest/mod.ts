/**
 * Ingest: remote write 1.0/2.0 from HTTP body to a validated `WriteRequest` for the storage
 * Appender. One `WorkspaceIngest` per workspace (it owns the label cache, token bucket and HA
 * tracker); the route does:
 *
 * ```ts
 * try {
 *   const p = ingest.prepare(new Uint8Array(await c.req.arrayBuffer()), c.req.raw.headers);
 *   if (p.kind === "deduped") return c.text(p.message + "\n", 202); // HA non-leader: success
 *   await workspace.append(p.request);                             // storage commits first
 *   const h = p.version === "2.0" ? writtenHeaders(p.counts) : {};
 *   if (p.error) return c.text(p.error.message + "\n", 400, h);     // "partial" mode only
 *   return c.body(null, 204, h);
 * } catch (e) {
 *   if (e instanceof RateLimitedError) c.header("Retry-After", String(e.retryAfterSeconds));
 *   if (e instanceof IngestError) return c.text(e.message + "\n", e.status); // 400/415/429
 *   throw e;
 * }
 * ```
 *
 * For 2.0 on an error after decoding, Prometheus still sends the written headers (zeros for an
 * all-or-nothing rejection). Needs `--allow-read` (snappy-wasm loads its .wasm from
 * node_modules) and optionally `--allow-env` (`PROMENADE_SAMPLE_AGE_MAX`, see limits.ts).
 */
export {
  BodyTooLargeError,
  formatLabelSet,
  IngestError,
  ProtobufDecodeError,
  RateLimitedError,
  SnappyDecodeError,
  TooManyHaClustersError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "./errors.ts";
export {
  assertIngestLimits,
  DEFAULT_INGEST_LIMITS,
  type IngestLimits,
  ingestLimits,
  METADATA_PER_METRIC_MAX,
  METRICS_WITH_METADATA_MAX,
  REMOTE_WRITE_TPS_MAX,
} from "./limits.ts";
export { snappyDecode, snappyDecodedLength, snappyEncode } from "./snappy.ts";
export {
  CONTENT_TYPE_V2,
  negotiateRemoteWrite,
  PROTO_MSG_V1,
  PROTO_MSG_V2,
  PROTOBUF_CONTENT_TYPE,
  type RemoteWriteProtocol,
  VERSION_HEADER,
} from "./negotiate.ts";
export { type DecodedWrite, RemoteWriteDecoder, type WriteCounts } from "./decoder.ts";
export { LabelCache } from "./label_cache.ts";
export {
  type DecodedRemoteWrite,
  decodeRemoteWrite,
  type DecodeRemoteWriteOptions,
  WRITTEN_EXEMPLARS_HEADER,
  WRITTEN_HISTOGRAMS_HEADER,
  WRITTEN_SAMPLES_HEADER,
  writtenHeaders,
} from "./remote_write.ts";
export {
  assertWriteRequest,
  type PartialValidation,
  validateLabels,
  validateMetadata,
  validateWrite,
  validateWritePartial,
} from "./validate.ts";
export { type IngestCost, RateLimiter, type RateLimiterOptions } from "./rate_limiter.ts";
export { type HaDecision, HaTracker, type HaTrackerOptions } from "./ha_tracker.ts";
export {
  countWrite,
  type PreparedWrite,
  WorkspaceIngest,
  type WorkspaceIngestOptions,
} from "./workspace_ingest.ts";
