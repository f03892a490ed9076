/**
 * Every KV key the TSDB writes. All start with `["w", workspaceId, "tsdb", ...]` so a workspace's
 * data is one prefix (tenant isolation, deletion by prefix). Layouts are in docs/format_kv.md.
 */

/** Key part types Deno KV accepts that we use. */
export type KeyPart = string | number;

/** The prefix of every TSDB key of a workspace. */
export function tsdbPrefix(ws: string): Deno.KvKey {
  return ["w", ws, "tsdb"];
}

/** The whole workspace prefix (control plane and TSDB). */
export function workspacePrefix(ws: string): Deno.KvKey {
  return ["w", ws];
}

/** Series record, first layout (read, not written): `["w", ws, "tsdb", "s", seriesId]`. */
export function seriesKey(ws: string, sid: number): Deno.KvKey {
  return ["w", ws, "tsdb", "s", sid];
}

/** Prefix of all series records of the first layout. */
export function seriesPrefix(ws: string): Deno.KvKey {
  return ["w", ws, "tsdb", "s"];
}

/**
 * Series block (series_blocks.ts): `["w", ws, "tsdb", "sb", bucket, blockId]`, holding series
 * records of ids `bucket * SERIES_BLOCK_SID_SPAN .. (bucket + 1) * SERIES_BLOCK_SID_SPAN - 1`.
 */
export function seriesBlockKey(ws: string, bucket: number, blockId: number): Deno.KvKey {
  return ["w", ws, "tsdb", "sb", bucket, blockId];
}

/** Prefix of all series blocks. */
export function seriesBlocksPrefix(ws: string): Deno.KvKey {
  return ["w", ws, "tsdb", "sb"];
}

/** WAL segment: `["w", ws, "tsdb", "wal", seq, segment]`. */
export function walKey(ws: string, seq: number, seg: number): Deno.KvKey {
  return ["w", ws, "tsdb", "wal", seq, seg];
}

/** Prefix of all WAL segments. */
export function walPrefix(ws: string): Deno.KvKey {
  return ["w", ws, "tsdb", "wal"];
}

/** Chunk kinds, the last key part. */
export const CHUNK_KIND_XOR = 0;
/** A float chunk of out-of-order samples (may overlap other chunks). */
export const CHUNK_KIND_XOR_OOO = 1;
/** A histogram chunk (our own encoding, see docs/format_kv.md). */
export const CHUNK_KIND_HIST = 2;

/**
 * Chunk block (chunk_blocks.ts): `["w", ws, "tsdb", "c", partition, sidLo, blockId]`, holding
 * chunks of series ids `sidLo .. sidLo + CHUNK_BLOCK_SID_SPAN - 1` in one partition.
 */
export function chunkBlockKey(
  ws: string,
  partition: number,
  sidLo: number,
  blockId: number,
): Deno.KvKey {
  return ["w", ws, "tsdb", "c", partition, sidLo, blockId];
}

/** Prefix of one partition's chunks. */
export function partitionPrefix(ws: string, partition: number): Deno.KvKey {
  return ["w", ws, "tsdb", "c", partition];
}

/** Prefix of all chunks. */
export function chunksPrefix(ws: string): Deno.KvKey {
  return ["w", ws, "tsdb", "c"];
}

/** Checkpoint segment: `["w", ws, "tsdb", "ckpt", generation, segment]`. */
export function checkpointKey(ws: string, gen: number, seg: number): Deno.KvKey {
  return ["w", ws, "tsdb", "ckpt", gen, seg];
}

/** Prefix of all checkpoint segments. */
export function checkpointPrefix(ws: string): Deno.KvKey {
  return ["w", ws, "tsdb", "ckpt"];
}

/** The checkpoint head: which checkpoint generation is complete and up to which WAL seq. */
export function checkpointHeadKey(ws: string): Deno.KvKey {
  return ["w", ws, "tsdb", "ckpthead"];
}

/** Cold-series index: `["w", ws, "tsdb", "cp", partition, seriesId]` (empty value). */
export function coldPartitionKey(ws: string, partition: number, sid: number): Deno.KvKey {
  return ["w", ws, "tsdb", "cp", partition, sid];
}

/** Prefix of the cold-series index. */
export function coldPartitionPrefix(ws: string): Deno.KvKey {
  return ["w", ws, "tsdb", "cp"];
}

/** A cold series' newest partition: `["w", ws, "tsdb", "cold", seriesId]` → number. */
export function coldSeriesKey(ws: string, sid: number): Deno.KvKey {
  return ["w", ws, "tsdb", "cold", sid];
}

/** Prefix of all cold-series entries. */
export function coldSeriesPrefix(ws: string): Deno.KvKey {
  return ["w", ws, "tsdb", "cold"];
}

/** The writer lease: which instance may append to the workspace (fencing token). */
export function writerLeaseKey(ws: string): Deno.KvKey {
  return ["w", ws, "tsdb", "writer"];
}

/** Metric metadata: `["w", ws, "tsdb", "meta", metricName]`. */
export function metadataKey(ws: string, metric: string): Deno.KvKey {
  return ["w", ws, "tsdb", "meta", metric];
}

/** Prefix of all metadata. */
export function metadataPrefix(ws: string): Deno.KvKey {
  return ["w", ws, "tsdb", "meta"];
}

/** The partition index holding time `t` (ms). */
export function partitionOf(t: number, partitionMs: number): number {
  return Math.floor(t / partitionMs);
}
