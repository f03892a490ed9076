/**
 * The head's open chunks: one XOR chunk per series being appended to. The arena is the seam to
 * the chunk codec; appends are batched (one call per request, never per sample).
 */
import { ChunkArena as WasmArena } from "../../wasm/mod.ts";

/** Open XOR chunks addressed by slot number. */
export interface ChunkArena {
  /** Allocates an open chunk (empty, or continuing `bytes`) and returns its slot. */
  alloc(bytes?: Uint8Array): number;
  /** Releases a slot. */
  free(slot: number): void;
  /**
   * Appends, for each i < n, samples `t[starts[i] .. starts[i]+counts[i])` (and `v`) to chunk
   * `slots[i]`. Timestamps must be strictly increasing per chunk. One call per request.
   */
  appendMany(
    slots: Int32Array,
    starts: Int32Array,
    counts: Int32Array,
    n: number,
    t: Float64Array,
    v: Float64Array,
  ): void;
  /** A copy of the chunk's bytes (Prometheus XOR format). */
  bytes(slot: number): Uint8Array;
  /**
   * The chunk's bytes without a copy, valid only until the next call on the arena (for callers
   * that copy them at once).
   */
  bytesView(slot: number): Uint8Array;
  /**
   * Many chunks' bytes in one call, without copies (valid only until the next call on the
   * arena): chunk i is `data[offsets[i], offsets[i + 1])`.
   */
  bytesManyView(slots: Uint32Array): { data: Uint8Array; offsets: Uint32Array };
  /** Samples in the chunk. */
  count(slot: number): number;
  /** Bytes held by live chunks (and scratch), for memory accounting. */
  memoryBytes(): number;
}

/** The WASM arena (wasm/mod.ts): open chunks live in WASM memory; one call per batch. */
export class WasmChunkArena implements ChunkArena {
  readonly #a = new WasmArena();

  alloc(bytes?: Uint8Array): number {
    return bytes === undefined ? this.#a.open() : this.#a.openFrom(bytes);
  }

  free(slot: number): void {
    this.#a.free(slot);
  }

  appendMany(
    slots: Int32Array,
    starts: Int32Array,
    counts: Int32Array,
    n: number,
    t: Float64Array,
    v: Float64Array,
  ): void {
    let total = 0;
    for (let i = 0; i < n; i++) total += counts[i];
    const st = this.#a.stageBatch(n, total);
    let at = 0;
    for (let i = 0; i < n; i++) {
      st.handles[i] = slots[i];
      st.counts[i] = counts[i];
      const s = starts[i], c = counts[i];
      if (c === 1) {
        st.t[at] = t[s];
        st.v[at] = v[s];
      } else {
        st.t.set(t.subarray(s, s + c), at);
        st.v.set(v.subarray(s, s + c), at);
      }
      at += c;
    }
    this.#a.appendStaged(n, total);
  }

  bytes(slot: number): Uint8Array {
    return this.#a.copyBytes(slot);
  }

  bytesView(slot: number): Uint8Array {
    return this.#a.bytes(slot);
  }

  bytesManyView(slots: Uint32Array): { data: Uint8Array; offsets: Uint32Array } {
    return this.#a.bytesMany(slots);
  }

  /** Size of the WASM linear memory (an upper bound of the arena's RSS). */
  linearMemoryBytes(): number {
    return this.#a.memory().memoryBytes;
  }

  count(slot: number): number {
    return this.#a.info(slot).samples;
  }

  memoryBytes(): number {
    return this.#a.memory().inUseBytes;
  }
}
