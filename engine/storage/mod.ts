/** The TSDB on Deno KV: Tsdb, Workspace (Appender), the KV Querier, errors and limits. */
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
