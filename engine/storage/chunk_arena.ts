/**
 * The head's open chunks: one XOR chunk per series being appended to. The arena is the seam to
 * the chunk codec; appends are batched (one call per request, never per sample).
 */
import { xorDecode, XorEncoder } from "./xor_ts.ts";
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
  /** Samples in the chunk. */
  count(slot: number): number;
  /** Bytes held by live chunks (and scratch), for memory accounting. */
  memoryBytes(): number;
}

/** A TypeScript arena (placeholder until the WASM arena is wired; same byte format). */
export class TsChunkArena implements ChunkArena {
  #chunks: (XorEncoder | undefined)[] = [];
  #free: number[] = [];

  alloc(bytes?: Uint8Array): number {
    const slot = this.#free.length > 0 ? this.#free.pop()! : this.#chunks.length;
    const e = new XorEncoder(Math.max(64, bytes?.length ?? 0));
    if (bytes !== undefined) {
      const n = (bytes[0] << 8) | bytes[1];
      const t = new Float64Array(n), v = new Float64Array(n);
      xorDecode(bytes, t, v);
      for (let i = 0; i < n; i++) e.append(t[i], v[i]);
    }
    this.#chunks[slot] = e;
    return slot;
  }

  free(slot: number): void {
    if (this.#chunks[slot] === undefined) throw new Error(`BUG: free of unused slot ${slot}`);
    this.#chunks[slot] = undefined;
    this.#free.push(slot);
  }

  appendMany(
    slots: Int32Array,
    starts: Int32Array,
    counts: Int32Array,
    n: number,
    t: Float64Array,
    v: Float64Array,
  ): void {
    for (let i = 0; i < n; i++) {
      const c = this.#chunks[slots[i]];
      if (c === undefined) throw new Error(`BUG: append to unused slot ${slots[i]}`);
      const end = starts[i] + counts[i];
      for (let j = starts[i]; j < end; j++) c.append(t[j], v[j]);
    }
  }

  bytes(slot: number): Uint8Array {
    return this.#chunks[slot]!.bytes();
  }

  count(slot: number): number {
    return this.#chunks[slot]!.count;
  }

  memoryBytes(): number {
    let s = 0;
    for (const c of this.#chunks) if (c) s += c.buf.length + 96;
    return s;
  }
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
