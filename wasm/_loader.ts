/**
 * Loads `promenade.wasm` (the only place that reads it) and types its exports. Private to wasm/:
 * import `wasm/mod.ts`. The ABI is documented in README.md.
 * @module
 */

const wasmUrl = new URL("./promenade.wasm", import.meta.url);
/** The compiled module, shared by every instance (each arena is its own instance and memory). */
const wasmModule: WebAssembly.Module = new WebAssembly.Module(await Deno.readFile(wasmUrl));

/** The exports of one instance (see README.md). */
export interface Exports {
  memory: WebAssembly.Memory;
  chunk_open(): number;
  chunk_open_from(src: number, len: number): number;
  chunk_free(h: number): number;
  chunk_info(h: number): number;
  chunk_bytes(h: number): number;
  chunks_bytes(handles: number, n: number, offsets: number): number;
  chunks_free(handles: number, n: number): number;
  chunks_last(handles: number, n: number, outT: number, outNum: number): number;
  chunks_append(handles: number, counts: number, nSeries: number, t: number, v: number): number;
  chunk_decode(h: number, outT: number, outV: number, max: number): number;
  xor_decode(src: number, len: number, outT: number, outV: number, max: number): number;
  xor_decode_many(
    src: number,
    offsets: number,
    n: number,
    minT: number,
    maxT: number,
    outT: number,
    outV: number,
    max: number,
  ): number;
  io_reserve(bytes: number): number;
  ret_ptr(): number;
  chunks_live(): number;
  alloc_in_use(): number;
  alloc_free_bytes(): number;
  alloc_high_water(): number;
  range_kernel(
    fn: number,
    n: number,
    t: number,
    v: number,
    firstT: number,
    stepMs: number,
    steps: number,
    rangeMs: number,
    lookbackMs: number,
    evalFirstT: number,
    evalStepMs: number,
    p0Ptr: number,
    p0: number,
    p1Ptr: number,
    p1: number,
    out: number,
    present: number,
  ): number;
  kernel_error_value(): number;
  snappy_decode(src: number, srcLen: number, dst: number, dstLen: number): number;
  hash_bytes(p: number, len: number): number;
  lx_create(): number;
  lx_destroy(x: number): void;
  lx_rotate(x: number): void;
  lx_count(x: number): number;
  lx_key_bytes(x: number): number;
  lx_lookup_many(x: number, ranges: number, n: number, out: number, hashes: number): void;
  lx_insert(x: number, p: number, len: number, h: number): number;
  lx_promote(x: number, e: number, h: number): number;
  rw1_walk(p: number, len: number, seriesMax: number): number;
  rw1_out(): number;
  lx_io(bytes: number): number;
}

/** A new instance of promenade.wasm with its own memory. */
export function instantiate(): Exports {
  return new WebAssembly.Instance(wasmModule, {}).exports as unknown as Exports;
}
