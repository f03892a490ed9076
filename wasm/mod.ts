/**
 * The WASM module of Promenade: Prometheus XOR chunks (Gorilla delta-of-delta timestamps and XOR
 * floats, byte-compatible with Prometheus >= 3.0 `tsdb/chunkenc/xor.go`) held open in WASM memory
 * and appended in batches, the PromQL range-function kernels, and the snappy decode buffer of
 * remote write. Everything outside wasm/ imports this file; the .wasm is loaded once (by the
 * private `_loader.ts`). ABI: README.md.
 *
 * Ownership: every typed array documented as a "view" points into WASM memory and is valid until
 * the next call on the same arena (any call may grow memory or reuse the scratch area). Copy what
 * you keep.
 *
 * @module
 */

export {
  type ArenaMemory,
  type BatchStage,
  ChunkAppendError,
  ChunkArena,
  ChunkDecodeError,
  type ChunkInfo,
  createChunkArena,
  type DecodedColumns,
  decodeXorChunk,
  encodeXorChunk,
  XOR_SAMPLES_MAX,
} from "./chunk_arena.ts";
export {
  DEFAULT_LOOKBACK_MS,
  type KernelWindows,
  RangeKernelError,
  WASM_RANGE_KERNELS,
  wasmKernelParts,
  type WasmRangeKernel,
  type WasmRangeKernelParts,
} from "./range_kernels.ts";
export {
  IngestBuffer,
  ingestBuffer,
  RegionIndex,
  type RegionIndexOptions,
  SnappyBlockError,
  type V1Walk,
} from "./ingest_buffer.ts";
