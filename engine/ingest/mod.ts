/**
 * Ingest: remote write 1.0/2.0 from HTTP body to a validated `WriteRequest` for the storage
 * Appender. Start with `WorkspaceIngest.prepare()`; the pieces are exported for finer control.
 */
export {
  BodyTooLargeError,
  formatLabelSet,
  goFloat,
  goQuote,
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
export { validateLabels, validateMetadata, validateWrite } from "./validate.ts";
export { type IngestCost, RateLimiter, type RateLimiterOptions } from "./rate_limiter.ts";
export { type HaDecision, HaTracker, type HaTrackerOptions } from "./ha_tracker.ts";
export {
  type PreparedWrite,
  WorkspaceIngest,
  type WorkspaceIngestOptions,
} from "./workspace_ingest.ts";
