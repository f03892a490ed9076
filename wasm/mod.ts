/**
 * The WASM chunk codec: Prometheus XOR chunks (Gorilla delta-of-delta timestamps and XOR floats,
 * byte-compatible with Prometheus >= 3.0 `tsdb/chunkenc/xor.go`) held open in WASM memory and
 * appended in batches. This file is the only loader of `promenade.wasm`; the ABI is in README.md.
 *
 * Ownership: every typed array this module returns that is documented as a "view" points into
 * WASM memory and is valid until the next call on the same arena (any call may grow memory or
 * reuse the scratch area). Copy what you keep.
 *
 * @module
 */

const wasmUrl = new URL("./promenade.wasm", import.meta.url);
/** The compiled module, shared by every arena (each arena is its own instance and memory). */
const wasmModule: WebAssembly.Module = new WebAssembly.Module(await Deno.readFile(wasmUrl));

/** Samples one XOR chunk can hold (its header is a 16-bit count). */
export const XOR_SAMPLES_MAX = 65535;

const ERR_HANDLE = -1;
const ERR_TIMESTAMP = -2;
const ERR_FULL = -3;
const ERR_TRUNCATED = -4;
const ERR_VARINT = -5;

interface Exports {
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
}

/** Chunk bytes that do not decode (truncated, varint overflow, corrupt XOR window). */
export class ChunkDecodeError extends RangeError {
  override name = "ChunkDecodeError";
}

/** A batch append that was refused as a whole (nothing was appended). */
export class ChunkAppendError extends RangeError {
  override name = "ChunkAppendError";
  /** Index of the offending entry in the batch's handles/counts. */
  readonly seriesIndex: number;
  constructor(message: string, seriesIndex: number) {
    super(message);
    this.seriesIndex = seriesIndex;
  }
}

/** State of one open chunk. */
export interface ChunkInfo {
  /** Samples in the chunk. */
  samples: number;
  /** Encoded size in bytes (header included): what `bytes()` returns. */
  bytes: number;
  /** Bytes of WASM memory the chunk's segments take (128-byte segments; the 56-byte slot aside). */
  capacityBytes: number;
  /** Timestamp (ms) of the last sample, NaN when empty. */
  lastT: number;
  /** Value of the last sample, NaN when empty (a NaN's payload may not survive as a JS number). */
  lastV: number;
}

/** Decoded columns; `t` and `v` are views of length `n` (see the module's ownership note). */
export interface DecodedColumns {
  n: number;
  /** Timestamps, ms. */
  t: Float64Array;
  /** Values, bit-exact (NaN payloads such as the staleness marker are preserved). */
  v: Float64Array;
}

/** Writable views into the arena's scratch area for a zero-copy batch (see `stageBatch`). */
export interface BatchStage {
  handles: Uint32Array;
  counts: Uint32Array;
  t: Float64Array;
  v: Float64Array;
}

/** Memory use of an arena, bytes. */
export interface ArenaMemory {
  /** Size of the WASM linear memory (what the process pays in RSS at most). */
  memoryBytes: number;
  /** Bytes in live blocks (chunks, handle table, scratch area). */
  inUseBytes: number;
  /** Bytes on the allocator's free lists, reused before memory grows. */
  freeBytes: number;
  /** High-water mark of the allocator's region. */
  highWaterBytes: number;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * An arena of open XOR chunks in one WASM instance. Handles are small positive integers, reused
 * after `free`. Not thread-safe; use one arena per isolate (or per workspace).
 */
export class ChunkArena {
  #x: Exports;
  #buf: ArrayBuffer;
  #u8: Uint8Array;
  #u32: Uint32Array;
  #f64: Float64Array;
  #ret: number;
  #ioPtr = 0;
  #ioCap = 0;

  constructor() {
    const inst = new WebAssembly.Instance(wasmModule, {});
    this.#x = inst.exports as unknown as Exports;
    this.#buf = this.#x.memory.buffer as ArrayBuffer;
    this.#u8 = new Uint8Array(this.#buf);
    this.#u32 = new Uint32Array(this.#buf);
    this.#f64 = new Float64Array(this.#buf);
    this.#ret = this.#x.ret_ptr();
  }

  #views(): void {
    if (this.#x.memory.buffer !== this.#buf) {
      this.#buf = this.#x.memory.buffer as ArrayBuffer;
      this.#u8 = new Uint8Array(this.#buf);
      this.#u32 = new Uint32Array(this.#buf);
      this.#f64 = new Float64Array(this.#buf);
    }
  }

  /** Scratch area of at least `bytes` bytes (8-aligned pointer); contents not preserved. */
  #io(bytes: number): number {
    if (bytes > this.#ioCap) {
      this.#ioPtr = this.#x.io_reserve(bytes);
      this.#ioCap = bytes;
    }
    return this.#ioPtr;
  }

  /** Opens an empty chunk and returns its handle. */
  open(): number {
    return this.#x.chunk_open();
  }

  /**
   * Opens a chunk from existing XOR chunk bytes (e.g. a head chunk checkpointed to KV) so that
   * later appends continue it exactly as if every sample had been appended here.
   * Throws ChunkDecodeError when the bytes do not decode.
   */
  openFrom(bytes: Uint8Array): number {
    const p = this.#io(bytes.length);
    this.#views();
    this.#u8.set(bytes, p);
    const h = this.#x.chunk_open_from(p, bytes.length);
    if (h < 0) throw decodeError(h);
    return h;
  }

  /** Frees a chunk; its handle may be handed out again. */
  free(handle: number): void {
    if (this.#x.chunk_free(handle) !== 0) {
      throw new RangeError(`BUG: free of unknown chunk ${handle}`);
    }
  }

  /** Number of open chunks. */
  get liveChunks(): number {
    return this.#x.chunks_live();
  }

  /** Samples in a chunk (no allocation; see `lastTimestamps` for many chunks at once). */
  samples(handle: number): number {
    if (this.#x.chunk_info(handle) !== 0) throw new RangeError(`BUG: unknown chunk ${handle}`);
    this.#views();
    return this.#u32[(this.#ret >> 2) + 2];
  }

  /** Sample count, size and last sample of a chunk. */
  info(handle: number): ChunkInfo {
    if (this.#x.chunk_info(handle) !== 0) throw new RangeError(`BUG: unknown chunk ${handle}`);
    this.#views();
    const r = this.#ret;
    return {
      bytes: this.#u32[(r >> 2) + 1],
      samples: this.#u32[(r >> 2) + 2],
      capacityBytes: this.#u32[(r >> 2) + 3],
      lastT: this.#f64[(r >> 3) + 2],
      lastV: this.#f64[(r >> 3) + 3],
    };
  }

  /**
   * For many chunks in one call: writes each chunk's last timestamp (NaN when empty) to
   * `outT[i]` and its sample count to `outSamples[i]`.
   */
  lastTimestamps(handles: Uint32Array, outT: Float64Array, outSamples: Uint32Array): void {
    const n = handles.length;
    const p = this.#io(align8(n * 4) * 2 + n * 8);
    const pNum = p + align8(n * 4), pT = pNum + align8(n * 4);
    this.#views();
    this.#u32.set(handles, p >> 2);
    const rc = this.#x.chunks_last(p, n, pT, pNum);
    if (rc !== 0) throw new RangeError(`BUG: unknown chunk ${handles[this.#u32[this.#ret >> 2]]}`);
    this.#views();
    outT.set(this.#f64.subarray(pT >> 3, (pT >> 3) + n));
    outSamples.set(this.#u32.subarray(pNum >> 2, (pNum >> 2) + n));
  }

  /**
   * Returns views into the scratch area for a batch of `nSeries` runs and `nSamples` samples, to
   * fill and then pass to `appendStaged` (saves one copy of the columns). Valid until the next call.
   */
  stageBatch(nSeries: number, nSamples: number): BatchStage {
    const p = this.#io(align8(nSeries * 4) * 2 + nSamples * 16);
    this.#views();
    const pCounts = p + align8(nSeries * 4);
    const pT = pCounts + align8(nSeries * 4);
    const pV = pT + nSamples * 8;
    return {
      handles: new Uint32Array(this.#buf, p, nSeries),
      counts: new Uint32Array(this.#buf, pCounts, nSeries),
      t: new Float64Array(this.#buf, pT, nSamples),
      v: new Float64Array(this.#buf, pV, nSamples),
    };
  }

  /**
   * Appends what `stageBatch(nSeries, nSamples)` views hold: for entry i, `counts[i]` samples
   * (consecutive in t/v, in order) go to chunk `handles[i]`. One WASM call. All-or-nothing: throws
   * ChunkAppendError (unknown handle, timestamp not a safe integer, or more than XOR_SAMPLES_MAX
   * samples) before appending anything. The codec does not check time order; storage does.
   * A handle may appear more than once (its runs are appended in order). Returns samples appended.
   */
  appendStaged(nSeries: number, nSamples: number): number {
    const p = this.#ioPtr;
    const pCounts = p + align8(nSeries * 4);
    const pT = pCounts + align8(nSeries * 4);
    const rc = this.#x.chunks_append(p, pCounts, nSeries, pT, pT + nSamples * 8);
    if (rc < 0) {
      this.#views();
      const i = this.#u32[this.#ret >> 2];
      throw new ChunkAppendError(appendMessage(rc, i), i);
    }
    if (rc !== nSamples) throw new RangeError(`BUG: counts sum to ${rc}, expected ${nSamples}`);
    return rc;
  }

  /**
   * Appends a batch in one WASM call: for entry i, `counts[i]` samples taken in order from `t`/`v`
   * go to chunk `handles[i]` (see appendStaged for the rules). Returns samples appended.
   */
  appendBatch(handles: Uint32Array, counts: Uint32Array, t: Float64Array, v: Float64Array): number {
    if (handles.length !== counts.length || t.length !== v.length) {
      throw new RangeError("BUG: appendBatch column lengths differ");
    }
    const st = this.stageBatch(handles.length, t.length);
    st.handles.set(handles);
    st.counts.set(counts);
    st.t.set(t);
    st.v.set(v);
    return this.appendStaged(handles.length, t.length);
  }

  /** The chunk's bytes (Prometheus XOR chunk, header included). A view: valid until the next call. */
  bytes(handle: number): Uint8Array {
    const p = this.#x.chunk_bytes(handle);
    if (p === 0) throw new RangeError(`BUG: unknown chunk ${handle}`);
    this.#views();
    return this.#u8.subarray(p, p + this.#u32[(this.#ret >> 2) + 1]);
  }

  /**
   * The bytes of many chunks in one call (e.g. every chunk closing at a partition edge): chunk i
   * is `data.subarray(offsets[i], offsets[i + 1])`. Both are views: valid until the next call.
   */
  bytesMany(handles: Uint32Array): { data: Uint8Array; offsets: Uint32Array } {
    const n = handles.length;
    const p = this.#io(align8(n * 4) + (n + 1) * 4);
    const pOff = p + align8(n * 4);
    this.#views();
    this.#u32.set(handles, p >> 2);
    const data = this.#x.chunks_bytes(p, n, pOff);
    this.#views();
    if (data === 0) {
      throw new RangeError(`BUG: unknown chunk ${handles[this.#u32[this.#ret >> 2]]}`);
    }
    const offsets = this.#u32.subarray(pOff >> 2, (pOff >> 2) + n + 1);
    return { data: this.#u8.subarray(data, data + offsets[n]), offsets };
  }

  /** Frees many chunks in one call; throws (freeing none) if a handle is unknown. */
  freeMany(handles: Uint32Array): void {
    const p = this.#io(handles.length * 4);
    this.#views();
    this.#u32.set(handles, p >> 2);
    if (this.#x.chunks_free(p, handles.length) !== 0) {
      this.#views();
      throw new RangeError(`BUG: free of unknown chunk ${handles[this.#u32[this.#ret >> 2]]}`);
    }
  }

  /** A copy of the chunk's bytes, owned by the caller. */
  copyBytes(handle: number): Uint8Array {
    return this.bytes(handle).slice();
  }

  /** Decodes an open chunk in one call. The columns are views: valid until the next call. */
  decode(handle: number): DecodedColumns {
    if (this.#x.chunk_info(handle) !== 0) throw new RangeError(`BUG: unknown chunk ${handle}`);
    this.#views();
    const n = this.#u32[(this.#ret >> 2) + 2];
    const p = this.#io(n * 16);
    const got = this.#x.chunk_decode(handle, p, p + n * 8, n);
    if (got < 0) throw decodeError(got);
    return this.#columns(p, p + n * 8, got);
  }

  /** Decodes XOR chunk bytes in one call. The columns are views: valid until the next call.
   * Throws ChunkDecodeError on malformed bytes. */
  decodeBytes(bytes: Uint8Array): DecodedColumns {
    if (bytes.length < 2) throw decodeError(ERR_TRUNCATED);
    const n = (bytes[0] << 8) | bytes[1];
    const src = this.#io(align8(bytes.length) + n * 16);
    const pT = src + align8(bytes.length);
    this.#views();
    this.#u8.set(bytes, src);
    const got = this.#x.xor_decode(src, bytes.length, pT, pT + n * 8, n);
    if (got < 0) throw decodeError(got);
    return this.#columns(pT, pT + n * 8, got);
  }

  /**
   * Decodes several chunks of one series in one call, keeping the samples with
   * minT <= t <= maxT, concatenated in chunk order (pass the chunks in time order). The columns
   * are views: valid until the next call. Throws ChunkDecodeError on malformed bytes.
   */
  decodeMany(
    chunks: readonly Uint8Array[],
    minT = -Infinity,
    maxT = Infinity,
  ): DecodedColumns {
    const n = chunks.length;
    let bytes = 0, samples = 0;
    for (const c of chunks) {
      if (c.length < 2) throw decodeError(ERR_TRUNCATED);
      bytes += c.length;
      samples += (c[0] << 8) | c[1];
    }
    const offBytes = align8((n + 1) * 4);
    const p = this.#io(offBytes + align8(bytes) + samples * 16);
    const src = p + offBytes, pT = src + align8(bytes), pV = pT + samples * 8;
    this.#views();
    let o = 0;
    for (let i = 0; i < n; i++) {
      this.#u32[(p >> 2) + i] = o;
      this.#u8.set(chunks[i], src + o);
      o += chunks[i].length;
    }
    this.#u32[(p >> 2) + n] = o;
    const got = this.#x.xor_decode_many(src, p, n, minT, maxT, pT, pV, samples);
    if (got < 0) throw decodeError(got);
    return this.#columns(pT, pV, got);
  }

  #columns(pT: number, pV: number, n: number): DecodedColumns {
    this.#views();
    return {
      n,
      t: this.#f64.subarray(pT >> 3, (pT >> 3) + n),
      v: this.#f64.subarray(pV >> 3, (pV >> 3) + n),
    };
  }

  /** Memory used by this arena. */
  memory(): ArenaMemory {
    return {
      memoryBytes: this.#x.memory.buffer.byteLength,
      inUseBytes: this.#x.alloc_in_use(),
      freeBytes: this.#x.alloc_free_bytes(),
      highWaterBytes: this.#x.alloc_high_water(),
    };
  }
}

function decodeError(code: number): ChunkDecodeError {
  switch (code) {
    case ERR_TRUNCATED:
      return new ChunkDecodeError("xor chunk: unexpected end of chunk data");
    case ERR_VARINT:
      return new ChunkDecodeError("xor chunk: varint overflows a 64-bit integer or corrupt window");
    case ERR_FULL:
      return new ChunkDecodeError("BUG: xor chunk: decode output too small");
    default:
      return new ChunkDecodeError(`xor chunk: decode failed (${code})`);
  }
}

function appendMessage(code: number, i: number): string {
  switch (code) {
    case ERR_HANDLE:
      return `BUG: append to unknown chunk handle (entry ${i})`;
    case ERR_TIMESTAMP:
      return `timestamp is not an integer number of milliseconds within ±2^53 (entry ${i})`;
    case ERR_FULL:
      return `chunk would exceed ${XOR_SAMPLES_MAX} samples (entry ${i})`;
    default:
      return `append failed (${code}, entry ${i})`;
  }
}

/** Creates an arena of open chunks (a fresh WASM instance with its own memory). */
export function createChunkArena(): ChunkArena {
  return new ChunkArena();
}

let shared: ChunkArena | undefined;

/** Decodes XOR chunk bytes into new columns owned by the caller (uses a shared arena). */
export function decodeXorChunk(bytes: Uint8Array): { t: Float64Array; v: Float64Array } {
  shared ??= new ChunkArena();
  const d = shared.decodeBytes(bytes);
  return { t: d.t.slice(), v: d.v.slice() };
}

/** Encodes samples (ascending `t`, ms) into new XOR chunk bytes owned by the caller. */
export function encodeXorChunk(t: Float64Array, v: Float64Array): Uint8Array {
  shared ??= new ChunkArena();
  const h = shared.open();
  try {
    shared.appendBatch(Uint32Array.of(h), Uint32Array.of(t.length), t, v);
    return shared.copyBytes(h);
  } finally {
    shared.free(h);
  }
}

// ---------------------------------------------------------------------------------------------
// Range-function kernels (wasm/assembly/range_kernels.ts): one WASM call per series per query.

/**
 * Evaluation grid for one series: step k evaluates at evalT(k) = firstT + k*stepMs (ms), already
 * shifted by offset/@. The window of step k is (evalT(k) - rangeMs, evalT(k)] (left-open).
 * The engine's `RangeWindows` (engine/promql/functions/range_windows.ts) is this type.
 */
export interface KernelWindows {
  firstT: number;
  stepMs: number;
  steps: number;
  rangeMs: number;
  mode?: "default" | "anchored" | "smoothed";
  /**
   * Lookback delta (ms) bounding how far an `anchored`/`smoothed` window reaches for the sample
   * before its start (and, smoothed, after its end). Default DEFAULT_LOOKBACK_MS (5m).
   */
  lookbackMs?: number;
  /**
   * predict_linear's regression is relative to the step's *unshifted* evaluation time
   * (Prometheus's `enh.Ts`): evalFirstT + k*evalStepMs, i.e. the query's own step times. Without
   * offset/@ that is firstT/stepMs (the default). With `offset o` pass evalFirstT = firstT + o;
   * with `@` (stepMs 0, a fixed window) still pass the query start and step: predict_linear is
   * not step-invariant in Prometheus, so its intercept moves with the step.
   */
  evalFirstT?: number;
  evalStepMs?: number;
}

/**
 * A batched range kernel (the engine's `RangeKernel` is this type): fills out[k] and sets
 * present[k]=1 where step k has a value, present[k]=0 otherwise. `t`,`v` are one series' float
 * samples (ascending ms, staleness markers already removed), `params` are scalar arguments per
 * step (Float64Array of length steps) or a number. One call per series per query, never per step.
 * Throws RangeKernelError for arguments Prometheus rejects.
 */
export type WasmRangeKernel = (
  t: Float64Array,
  v: Float64Array,
  w: KernelWindows,
  params: readonly (number | Float64Array)[],
  out: Float64Array,
  present: Uint8Array,
) => void;

/**
 * A kernel argument Prometheus rejects at evaluation time (e.g. a smoothing factor outside
 * (0,1)). Thrown by the WASM kernels and by the engine's TypeScript kernels alike.
 */
export class RangeKernelError extends RangeError {
  override name = "RangeKernelError";
}

/** Default lookback delta of anchored/smoothed windows, ms. */
export const DEFAULT_LOOKBACK_MS = 300_000;

let kernelExports: Exports | undefined;
let kernelIoPtr = 0;
let kernelIoCap = 0;
let kernelF64 = new Float64Array(0);
let kernelU8 = new Uint8Array(0);

/**
 * Views of the kernel instance's memory, re-created only when memory has grown (growing detaches
 * the old buffer, so its views read as empty; cheaper than comparing `memory.buffer` per call).
 */
function kernelViews(x: Exports): Float64Array {
  if (kernelF64.byteLength === 0) {
    kernelF64 = new Float64Array(x.memory.buffer as ArrayBuffer);
    kernelU8 = new Uint8Array(x.memory.buffer as ArrayBuffer);
  }
  return kernelF64;
}

/** Go's %f: six decimals, with Go's spelling of infinities and NaN. */
function goFixed(x: number): string {
  if (x !== x) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  return x.toFixed(6);
}

function runKernel(
  fn: number,
  t: Float64Array,
  v: Float64Array,
  w: KernelWindows,
  params: readonly (number | Float64Array)[],
  out: Float64Array,
  present: Uint8Array,
): void {
  const x = kernelExports ??= new WebAssembly.Instance(wasmModule, {})
    .exports as unknown as Exports;
  const n = t.length, steps = Math.max(0, w.steps);
  if (v.length !== n) throw new RangeError("BUG: kernel columns differ in length");
  const a0 = params[0], a1 = params[1];
  const len0 = typeof a0 === "object" ? steps : 0, len1 = typeof a1 === "object" ? steps : 0;
  const bytes = n * 16 + (len0 + len1 + steps) * 8 + steps;
  if (bytes > kernelIoCap) {
    kernelIoPtr = x.io_reserve(bytes);
    kernelIoCap = bytes;
  }
  const pT = kernelIoPtr, pV = pT + n * 8, p0 = pV + n * 8, p1 = p0 + len0 * 8;
  const pOut = p1 + len1 * 8, pPresent = pOut + steps * 8;
  let f64 = kernelViews(x);
  f64.set(t, pT >> 3);
  f64.set(v, pV >> 3);
  if (len0) f64.set((a0 as Float64Array).subarray(0, steps), p0 >> 3);
  if (len1) f64.set((a1 as Float64Array).subarray(0, steps), p1 >> 3);
  const rc = x.range_kernel(
    fn,
    n,
    pT,
    pV,
    w.firstT,
    w.stepMs,
    w.steps,
    w.rangeMs,
    w.lookbackMs ?? DEFAULT_LOOKBACK_MS,
    w.evalFirstT ?? w.firstT,
    w.evalStepMs ?? w.stepMs,
    len0 ? p0 : 0,
    typeof a0 === "number" ? a0 : 0,
    len1 ? p1 : 0,
    typeof a1 === "number" ? a1 : 0,
    pOut,
    pPresent,
  );
  if (rc === -12) {
    throw new RangeKernelError(
      `invalid smoothing factor. Expected: 0 < sf < 1, got: ${goFixed(x.kernel_error_value())}`,
    );
  }
  if (rc === -13) {
    throw new RangeKernelError(
      `invalid trend factor. Expected: 0 < tf < 1, got: ${goFixed(x.kernel_error_value())}`,
    );
  }
  if (rc === -11) throw new RangeError(`BUG: negative step ${w.stepMs}`);
  if (rc !== 0) throw new RangeError(`BUG: range kernel ${fn} failed (${rc})`);
  f64 = kernelViews(x); // the kernel may have grown memory (sort scratch)
  // A plain loop rather than set(subarray()): no two new views per call.
  const u8 = kernelU8, o = pOut >> 3;
  for (let k = 0; k < steps; k++) {
    out[k] = f64[o + k];
    present[k] = u8[pPresent + k];
  }
}

function kernel(fn: number, anchored = fn, smoothed = fn): WasmRangeKernel {
  return (t, v, w, params, out, present) => {
    const id = w.mode === "anchored" ? anchored : w.mode === "smoothed" ? smoothed : fn;
    runKernel(id, t, v, w, params, out, present);
  };
}

/**
 * The WASM range kernels by PromQL function name (the same set and modes as the engine's
 * RANGE_KERNELS): rate/increase/delta honour anchored and smoothed windows, resets/changes
 * anchored ones. `absent_over_time` is evaluator-side.
 */
export const WASM_RANGE_KERNELS: Readonly<Record<string, WasmRangeKernel>> = Object.freeze({
  rate: kernel(1, 4, 7),
  increase: kernel(2, 5, 8),
  delta: kernel(3, 6, 9),
  irate: kernel(10),
  idelta: kernel(11),
  deriv: kernel(12),
  predict_linear: kernel(13),
  resets: kernel(14, 16, 14),
  changes: kernel(15, 17, 15),
  avg_over_time: kernel(18),
  min_over_time: kernel(19),
  max_over_time: kernel(20),
  sum_over_time: kernel(21),
  count_over_time: kernel(22),
  last_over_time: kernel(23),
  first_over_time: kernel(24),
  present_over_time: kernel(25),
  stddev_over_time: kernel(26),
  stdvar_over_time: kernel(27),
  quantile_over_time: kernel(28),
  mad_over_time: kernel(29),
  ts_of_min_over_time: kernel(30),
  ts_of_max_over_time: kernel(31),
  ts_of_last_over_time: kernel(32),
  ts_of_first_over_time: kernel(33),
  double_exponential_smoothing: kernel(34),
});
