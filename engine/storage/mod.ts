/**
 * The TSDB on Deno KV: Tsdb, Workspace (Appender), the KV Querier, errors and limits.
 *
 * ```ts
 * const tsdb = await Tsdb.open(kv);                       // workspaces recover lazily
 * const ws = await tsdb.workspace(id, { oooWindowMs, activeSeriesMax, limitsPerLabelSet, user });
 * await ws.append(req);             // resolves after the KV commit; StorageWriteError = 400
 * const q = ws.querier();           // Querier: select / labelNames / labelValues
 * ws.metadata(metric, limit, limitPerMetric); ws.exemplars(selectors, minT, maxT); ws.stats(10);
 * await tsdb.maintain();            // periodically: close idle chunks, recount active series
 * await tsdb.applyRetention(id, days, Date.now());        // daily: whole partitions
 * await tsdb.deleteWorkspaceData(id);                      // every key under ["w", id]
 * await tsdb.close();               // drain, flush chunks, checkpoint (the caller closes kv)
 * ```
 * Key layouts: docs/format_kv.md.
 * @module
 */
export { Tsdb, type TsdbOptions } from "./tsdb.ts";
export {
  type AppendResult,
  type LabelSetLimit,
  sameBits,
  Workspace,
  type WorkspaceOptions,
} from "./workspace.ts";
export { KvQuerier } from "./kv_querier.ts";
export type { Querier, SelectHints, SeriesData } from "./querier.ts";
export {
  DuplicateSampleError,
  LabelSetSeriesLimitError,
  OutOfOrderSampleError,
  SeriesLimitError,
  StorageClosedError,
  StorageWriteError,
  WriterLeaseLostError,
} from "./errors.ts";
export { type HeadStats, headStats, type StatRow } from "./stats.ts";
export { type ChunkArena, WasmChunkArena } from "./chunk_arena.ts";
export { PARTITION_MS } from "./limits.ts";
