/**
 * The process-wide buffer remote-write requests are decoded in: snappy blocks are decompressed
 * straight into one WASM instance's memory (no copy out, no per-request allocation), and raw
 * label regions are hashed there with 64-bit arithmetic. The decoder reads the returned view
 * synchronously; it is valid until the next call of `decodeSnappy()` or `adopt()`.
 * @module
 */
import { type Exports, instantiate } from "./_loader.ts";

/** Bytes kept readable/writable after the input and output areas (SNAPPY_SLACK in snappy.ts). */
const SLACK = 32;

/**
 * Scratch kept between requests. A larger request (up to the decompressed-size limit) grows the
 * memory for its own decoding; WASM memory cannot shrink, so the instance is then replaced.
 */
const KEEP_BYTES = 8 << 20;

/** What each negative return of `snappy_decode` means (for logs; the answer is fixed). */
const SNAPPY_ERRORS: Record<number, string> = {
  [-1]: "corrupt input: bad length header",
  [-2]: "corrupt input: literal runs past the end of the input or output",
  [-3]: "corrupt input: truncated tag",
  [-4]: "corrupt input: copy offset out of range",
  [-5]: "corrupt input: copy runs past the end of the output",
  [-6]: "corrupt input: decoded fewer bytes than the header said",
};

/** A corrupt snappy block; `detail` says what was wrong. */
export class SnappyBlockError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "SnappyBlockError";
  }
}

/** The decode buffer. Single-threaded; views it returns are valid until its next call. */
export class IngestBuffer {
  #x: Exports = instantiate();
  #ptr = 0;
  #cap = 0;

  /** The instance's memory (its buffer changes identity when the memory grows). */
  get memory(): WebAssembly.Memory {
    return this.#x.memory;
  }

  /** Scratch of at least `bytes` bytes, 8-aligned. */
  #reserve(bytes: number): number {
    if (bytes > this.#cap) {
      if (this.#cap > KEEP_BYTES) {
        this.#x = instantiate();
        this.#cap = 0;
      }
      this.#ptr = this.#x.io_reserve(bytes);
      this.#cap = bytes;
    } else if (this.#cap > KEEP_BYTES && bytes <= KEEP_BYTES) {
      // The last request was unusually large: start over with a small memory.
      this.#x = instantiate();
      this.#ptr = this.#x.io_reserve(bytes);
      this.#cap = bytes;
    }
    return this.#ptr;
  }

  /**
   * Decompresses a snappy block whose header declares `declared` bytes (already checked against
   * the caller's limit) and returns a view of the result in WASM memory (4-aligned). Throws
   * `SnappyBlockError` when the block is corrupt.
   */
  decodeSnappy(block: Uint8Array, declared: number): Uint8Array {
    const srcOff = 0;
    const dstOff = (block.length + SLACK + 7) & ~7;
    const base = this.#reserve(dstOff + declared + SLACK);
    const mem = new Uint8Array(this.#x.memory.buffer);
    mem.set(block, base + srcOff);
    const rc = this.#x.snappy_decode(base + srcOff, block.length, base + dstOff, declared);
    if (rc !== 0) throw new SnappyBlockError(SNAPPY_ERRORS[rc] ?? `corrupt input (${rc})`);
    return new Uint8Array(this.#x.memory.buffer, base + dstOff, declared);
  }

  /** `bytes` itself when it is a view of this buffer's memory, else a copy into it. */
  adopt(bytes: Uint8Array): Uint8Array {
    if (bytes.buffer === this.#x.memory.buffer && bytes.byteOffset % 4 === 0) return bytes;
    const base = this.#reserve(bytes.length + SLACK);
    const view = new Uint8Array(this.#x.memory.buffer, base, bytes.length);
    view.set(bytes);
    return view;
  }

  /**
   * A 30-bit hash (a Smi) of `view[s, e)`, where `view` came from `decodeSnappy` or `adopt` and
   * nothing was called on this buffer since. The same bytes always hash the same.
   */
  hash(view: Uint8Array, s: number, e: number): number {
    return this.#x.hash_bytes(view.byteOffset + s, e - s);
  }
}

let shared: IngestBuffer | undefined;

/** The process's decode buffer (remote-write decoding is synchronous, so one is enough). */
export function ingestBuffer(): IngestBuffer {
  return shared ??= new IngestBuffer();
}
