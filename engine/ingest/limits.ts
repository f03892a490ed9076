/**
 * Every ingest limit in one place, with the reason for its value. AMP's service quotas
 * (spec/amp-features-2.md §9) and Cortex's validation defaults are the sources; where AMP says a
 * quota is adjustable the value is a per-workspace option, the rest are constants.
 */

/** AMP "Request size": 1 MB per ingest request, measured on the compressed body. */
export const REQUEST_BYTES_MAX = 1024 * 1024;

/**
 * Largest decompressed remote-write body we accept. AMP does not publish one; real remote-write
 * payloads compress 3-10x, so 1 MiB compressed is at most ~10 MiB of protobuf in practice. 16 MiB
 * leaves headroom and bounds what one request can make the server allocate: the declared length is
 * checked against this before decompressing, and the WASM decode buffer grows to at most this plus
 * the body (wasm/ingest_buffer.ts).
 */
export const DECOMPRESSED_BYTES_MAX = 16 * 1024 * 1024;

/** AMP "Labels per metric series": 150 (adjustable, so it is also a workspace option). */
export const LABEL_NAMES_PER_SERIES_MAX = 150;

/** AMP "Label size": 7 KB for all names and values of one series (Cortex label-size accounting). */
export const LABELS_SIZE_BYTES_MAX = 7 * 1024;

/** Cortex default `max_label_name_length`; AMP enforces label name validity with it. */
export const LABEL_NAME_LENGTH_MAX = 1024;

/** Cortex default `max_label_value_length` (`label_value_too_long`); also bounded by the 7 KB size. */
export const LABEL_VALUE_LENGTH_MAX = 2048;

/** AMP: samples older than 1 hour are rejected (`greater_than_max_sample_age`). */
export const SAMPLE_AGE_MAX_MS = 60 * 60 * 1000;

/** AMP "Metadata length": 1 KB for each of metric name, help and unit. */
export const METADATA_LENGTH_MAX = 1024;

/** AMP "Metadata per metric": 10; extra metadata is dropped by the store, samples are kept. */
export const METADATA_PER_METRIC_MAX = 10;

/** AMP "Active metrics with metadata per workspace": 20,000; past it the store drops metadata. */
export const METRICS_WITH_METADATA_MAX = 20_000;

/** Prometheus/Cortex exemplar label set limit: 128 UTF-8 characters of names plus values. */
export const EXEMPLAR_LABELS_LENGTH_MAX = 128;

/** AMP "HA tracker clusters": 500 per workspace, not adjustable. */
export const HA_CLUSTERS_MAX = 500;

/** AMP HA dedup failover: a leader silent for 30 s loses the election. */
export const HA_FAILOVER_TIMEOUT_MS = 30_000;

/**
 * AMP "RemoteWrite TPS per workspace": 3,000 requests/s, not adjustable. Over it AMP's gateway
 * answers 429 `{"message":"Rate exceeded"}` before looking at the body.
 */
export const REMOTE_WRITE_TPS_MAX = 3000;

/** AMP "Ingestion rate per workspace": 1,666,666 samples/s (adjustable). */
export const INGESTION_RATE_DEFAULT = 1_666_666;

/** AMP RemoteWrite API page: ingestion burst 1,000,000 samples (the token bucket capacity). */
export const INGESTION_BURST_DEFAULT = 1_000_000;

/**
 * Series per request. A 16 MiB body holds at most ~16 M empty series; real clients send
 * <= 10k per request. The bound keeps per-request bookkeeping arrays small.
 */
export const SERIES_PER_REQUEST_MAX = 1_000_000;

/** Symbols in one remote write 2.0 request; bounded by the body size anyway, kept explicit. */
export const SYMBOLS_PER_REQUEST_MAX = 4_000_000;

/** Buckets per native histogram sample (Cortex leaves it unlimited; we bound memory). */
export const HISTOGRAM_BUCKETS_MAX = 16_384;

/** Initial entries per generation in a workspace's label cache (two generations are kept). */
export const LABEL_CACHE_ENTRIES_MAX = 1 << 17;

/**
 * Distinct (name, value) pairs whose Label objects a workspace's label cache shares before it
 * starts over (bounds the pair table: ~72 MiB at the limit, the Label objects included).
 */
export const LABEL_PAIRS_MAX = 1 << 20;

/**
 * Largest generation a workspace's label cache grows to when its working set is bigger
 * (~270 B of cache per entry besides the shared Labels objects: ~1.1 GiB at the cap).
 */
export const LABEL_CACHE_ENTRIES_CAP = 1 << 22;

/**
 * A generation of the decoder's region index that fills within this window grows instead of
 * rotating (the label cache's rule: Prometheus revisits every active series each scrape interval,
 * so a fill this fast means the working set is bigger than the generation).
 */
export const LABEL_INDEX_GROW_WINDOW_MS = 5 * 60 * 1000;

/** Label keys longer than this are not indexed (such label sets fail validation: > 7 KB). */
export const LABEL_KEY_BYTES_MAX = 8192;

/** Per-workspace ingest limits; every field is optional in options and filled from defaults. */
export interface IngestLimits {
  /** Compressed body bytes. */
  requestBytesMax: number;
  /** Decompressed protobuf bytes. */
  decompressedBytesMax: number;
  labelNamesPerSeriesMax: number;
  labelsSizeBytesMax: number;
  labelNameLengthMax: number;
  labelValueLengthMax: number;
  /** Samples older than now minus this are rejected; 0 disables the check. */
  sampleAgeMaxMs: number;
  metadataLengthMax: number;
  /** "legacy": `[a-zA-Z_:][a-zA-Z0-9_:]*` names as Cortex/AMP; "utf8": any non-empty UTF-8. */
  nameValidation: "legacy" | "utf8";
  /** Token bucket refill in samples per second. */
  ingestionRate: number;
  /** Token bucket capacity in samples. */
  ingestionBurst: number;
  haClustersMax: number;
  haFailoverTimeoutMs: number;
  /** Label names that identify an HA group and a replica. */
  haClusterLabel: string;
  haReplicaLabel: string;
}

/** The defaults: AMP's published quotas. */
export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze({
  requestBytesMax: REQUEST_BYTES_MAX,
  decompressedBytesMax: DECOMPRESSED_BYTES_MAX,
  labelNamesPerSeriesMax: LABEL_NAMES_PER_SERIES_MAX,
  labelsSizeBytesMax: LABELS_SIZE_BYTES_MAX,
  labelNameLengthMax: LABEL_NAME_LENGTH_MAX,
  labelValueLengthMax: LABEL_VALUE_LENGTH_MAX,
  sampleAgeMaxMs: SAMPLE_AGE_MAX_MS,
  metadataLengthMax: METADATA_LENGTH_MAX,
  nameValidation: "legacy",
  ingestionRate: INGESTION_RATE_DEFAULT,
  ingestionBurst: INGESTION_BURST_DEFAULT,
  haClustersMax: HA_CLUSTERS_MAX,
  haFailoverTimeoutMs: HA_FAILOVER_TIMEOUT_MS,
  haClusterLabel: "cluster",
  haReplicaLabel: "__replica__",
});

/**
 * Defaults overridden by `overrides`, then by the environment: `PROMENADE_SAMPLE_AGE_MAX`
 * (a number of seconds, 0 disables), `PROMENADE_INGESTION_RATE`, `PROMENADE_INGESTION_BURST`.
 * Environment reads need `--allow-env`; without it the environment is ignored.
 */
export function ingestLimits(
  overrides: Partial<IngestLimits> = {},
  env: (name: string) => string | undefined = readEnv,
): IngestLimits {
  const limits: IngestLimits = { ...DEFAULT_INGEST_LIMITS, ...overrides };
  const age = envNumber(env, "PROMENADE_SAMPLE_AGE_MAX");
  if (age !== undefined) limits.sampleAgeMaxMs = age * 1000;
  const rate = envNumber(env, "PROMENADE_INGESTION_RATE");
  if (rate !== undefined) limits.ingestionRate = rate;
  const burst = envNumber(env, "PROMENADE_INGESTION_BURST");
  if (burst !== undefined) limits.ingestionBurst = burst;
  assertIngestLimits(limits);
  return limits;
}

/** Asserts the relations between limits; a violation is a configuration bug. */
export function assertIngestLimits(l: IngestLimits): void {
  const positive: (keyof IngestLimits)[] = [
    "requestBytesMax",
    "decompressedBytesMax",
    "labelNamesPerSeriesMax",
    "labelsSizeBytesMax",
    "labelNameLengthMax",
    "labelValueLengthMax",
    "metadataLengthMax",
    "ingestionRate",
    "ingestionBurst",
    "haClustersMax",
    "haFailoverTimeoutMs",
  ];
  for (const k of positive) {
    const v = l[k] as number;
    if (!(v > 0)) throw new RangeError(`BUG: ingest limit ${k} must be > 0, got ${v}`);
  }
  if (!(l.sampleAgeMaxMs >= 0)) {
    throw new RangeError(`BUG: sampleAgeMaxMs must be >= 0, got ${l.sampleAgeMaxMs}`);
  }
  if (l.decompressedBytesMax < l.requestBytesMax) {
    throw new RangeError("BUG: decompressedBytesMax must be >= requestBytesMax");
  }
  // The decode buffer is 32-bit WASM memory (at most 4 GiB); keep the limit far below it.
  if (l.decompressedBytesMax > 256 * 1024 * 1024) {
    throw new RangeError("BUG: decompressedBytesMax above 256 MiB");
  }
}

function envNumber(env: (name: string) => string | undefined, name: string): number | undefined {
  const raw = env(name);
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw new RangeError(`${name} must be a number >= 0, got ${raw}`);
  }
  return n;
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: use the defaults
  }
}

// Relations between constants, asserted at load.
assertIngestLimits({ ...DEFAULT_INGEST_LIMITS });
if (LABEL_VALUE_LENGTH_MAX > LABELS_SIZE_BYTES_MAX) {
  throw new Error("BUG: a single label value may not exceed the series label size");
}
