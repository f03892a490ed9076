/**
 * Storage limits in one place, each with its reason. Relations between them are asserted at load.
 */

/** Deno KV: largest value in bytes (facts/runtime.md §6). */
export const KV_VALUE_BYTES_MAX = 65536;
/** Deno KV: largest total mutation size of one atomic commit. */
export const KV_ATOMIC_BYTES_MAX = 819200;
/** Deno KV: most mutations in one atomic commit. */
export const KV_ATOMIC_MUTATIONS_MAX = 1000;
/** Deno KV: most keys in one getMany. */
export const KV_GET_MANY_KEYS_MAX = 10;
/**
 * Entries per list call when deleting a key range: a list also reads values, and WAL and
 * checkpoint values are up to 64 KiB, so 1000 per call held ~64 MB at once.
 */
export const KV_DELETE_LIST_BATCH = 64;

/** Bytes of payload per WAL segment value (leaves room for the segment header). */
export const WAL_SEGMENT_BYTES_MAX = 64000;
/** WAL segments per atomic commit: 12 × 64000 B + keys stays under the 800 KiB atomic limit. */
export const WAL_SEGMENTS_PER_ATOMIC_MAX = 12;
/** Samples per group-commit batch; bounds the batch buffers and commit latency. */
export const BATCH_SAMPLES_MAX = 400_000;
/** Requests per group-commit batch. */
export const BATCH_REQUESTS_MAX = 256;

/** A head chunk closes at this many samples (Prometheus's target). */
export const CHUNK_SAMPLES_MAX = 120;
/** Time partition length: chunks never cross a partition edge; retention deletes whole ones. */
export const PARTITION_MS = 2 * 3600_000;

/** Closed chunks waiting to be flushed before appends wait for the flusher (back-pressure). */
export const PENDING_CHUNKS_MAX = 200_000;
/** Chunk writes per flush commit (leave room under the mutation limit). */
export const FLUSH_CHUNKS_PER_ATOMIC = 900;
/** Bytes of chunk values per flush commit. */
export const FLUSH_BYTES_PER_ATOMIC = 700_000;
/** Largest chunk block value (docs/format_kv.md "Chunk blocks"): a KV value. */
export const CHUNK_BLOCK_BYTES_MAX = KV_VALUE_BYTES_MAX;
/**
 * Series ids a chunk block may span: a read of one series lists the blocks keyed by the
 * `SPAN` ids up to its own, so this bounds the bytes read per series and partition (~SPAN series'
 * chunks), while a flush of chunks of scattered series still packs several per block.
 */
export const CHUNK_BLOCK_SID_SPAN = 256;
/** Largest series block value (docs/format_kv.md "Series records"): a KV value. */
export const SERIES_BLOCK_BYTES_MAX = KV_VALUE_BYTES_MAX;
/**
 * Series ids per series-block bucket: the record of series `sid` is in a block of bucket
 * `floor(sid / SPAN)`, so reading one series' labels lists ~SPAN records (~60 KB at 230 B each),
 * while 100k new series need ~400 values instead of 100k keys.
 */
export const SERIES_BLOCK_SID_SPAN = 256;
/** Bytes of pending chunks packed into blocks per flush round (several commits). */
export const CHUNK_FLUSH_ROUND_BYTES_MAX = 8 * 1024 * 1024;
/** Checkpoint after this many WAL bytes since the last one. */
export const CHECKPOINT_WAL_BYTES = 32 * 1024 * 1024;

/** Default out-of-order window (AMP default: 600 s). */
export const OOO_WINDOW_MS_DEFAULT = 600_000;
/** A series is active when it got a sample within this window (AMP: last 2 hours). */
export const ACTIVE_WINDOW_MS = 2 * 3600_000;
/**
 * A series with no sample for this long leaves memory ("cold"): its data stays in KV chunks and
 * reads find it through the cold index. Longer than a partition plus the out-of-order window.
 */
export const COLD_AFTER_MS_DEFAULT = 6 * 3600_000;
/** Cold series labels kept in memory for reads (an LRU). */
export const COLD_LABELS_CACHE_MAX = 50_000;

/** Default active series limit per workspace (AMP quota). */
export const ACTIVE_SERIES_MAX_DEFAULT = 50_000_000;
/** Most exemplars kept per workspace (Prometheus's max_exemplars default is 100000). */
export const EXEMPLARS_MAX_DEFAULT = 10_000;
/** Most metadata entries kept per metric (AMP quota). */
export const METADATA_PER_METRIC_MAX = 10;
/** Bytes of KV chunk values kept in the read cache. */
export const CHUNK_CACHE_BYTES_MAX = 32 * 1024 * 1024;
/**
 * Bytes of decoded chunk columns (16 per sample) kept by the querier, shared by all workspaces:
 * recent data of ~40k series at 15 s scrapes, so repeated dashboard queries skip decoding.
 */
export const DECODED_CACHE_BYTES_MAX = 128 * 1024 * 1024;
/**
 * Bytes of decoded open head chunks kept by the querier per workspace (~33k full chunks), so
 * queries repeated between two appends skip decoding; entries are replaced second-chance, so a
 * larger working set keeps a stable part cached instead of thrashing.
 */
export const OPEN_DECODED_BYTES_MAX = 64 * 1024 * 1024;
/** Default retention (AMP default). */
export const RETENTION_DAYS_DEFAULT = 150;
/** Allowed retention range (AMP). */
export const RETENTION_DAYS_MIN = 1;
/** Allowed retention range (AMP). */
export const RETENTION_DAYS_MAX = 1095;

if (WAL_SEGMENTS_PER_ATOMIC_MAX * (WAL_SEGMENT_BYTES_MAX + 200) >= KV_ATOMIC_BYTES_MAX) {
  throw new Error("BUG: WAL segments per atomic exceed the KV atomic size limit");
}
if (WAL_SEGMENT_BYTES_MAX + 16 > KV_VALUE_BYTES_MAX) {
  throw new Error("BUG: WAL segment exceeds the KV value limit");
}
if (FLUSH_CHUNKS_PER_ATOMIC >= KV_ATOMIC_MUTATIONS_MAX) {
  throw new Error("BUG: flush commit exceeds the KV mutation limit");
}
if (FLUSH_BYTES_PER_ATOMIC + KV_VALUE_BYTES_MAX > KV_ATOMIC_BYTES_MAX) {
  throw new Error("BUG: flush commit may exceed the KV atomic size limit");
}
if (PARTITION_MS % 3600_000 !== 0) throw new Error("BUG: partitions must be whole hours");
if (COLD_AFTER_MS_DEFAULT <= PARTITION_MS + OOO_WINDOW_MS_DEFAULT) {
  throw new Error("BUG: series must not go cold while their partition can still change");
}
