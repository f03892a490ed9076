/**
 * Snappy block format (what remote write uses) through snappy-wasm. The block starts with a
 * uvarint of the decompressed length; we read and check it against the caller's limit BEFORE
 * calling into WASM, because a declared length near 2^32 makes snappy-wasm trap on allocation.
 */
import { compress_raw, decompress_raw, initSync } from "snappy-wasm";
import { BodyTooLargeError, SnappyDecodeError } from "./errors.ts";

let ready = false;

function init(): void {
  if (ready) return;
  // wasm-bindgen `--target web` output: must be initialised before use (facts/runtime.md §3).
  const url = new URL("snappy_bg.wasm", import.meta.resolve("snappy-wasm"));
  initSync(Deno.readFileSync(url));
  ready = true;
}

/**
 * Reads the uvarint decompressed-length header of a snappy block; returns -1 when the header is
 * missing, truncated or longer than 5 bytes (a 32-bit length never needs more).
 */
export function snappyDecodedLength(block: Uint8Array): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i];
    v += (b & 0x7f) * mul;
    if (b < 0x80) return v > 0xffffffff ? -1 : v;
    mul *= 128;
  }
  return -1;
}

/**
 * Decompresses one snappy block. Throws `BodyTooLargeError` when the declared length exceeds
 * `decompressedBytesMax` and `SnappyDecodeError` when the block is corrupt or its length lies.
 */
export function snappyDecode(block: Uint8Array, decompressedBytesMax: number): Uint8Array {
  const declared = snappyDecodedLength(block);
  if (declared < 0) throw new SnappyDecodeError("corrupt input: bad length header");
  if (declared > decompressedBytesMax) throw new BodyTooLargeError(declared, decompressedBytesMax);
  init();
  let out: Uint8Array;
  try {
    out = decompress_raw(block);
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/^snappy: /, "") : String(e);
    throw new SnappyDecodeError(msg);
  }
  if (out.length !== declared) {
    throw new SnappyDecodeError(
      `corrupt input: decoded ${out.length} bytes, header said ${declared}`,
    );
  }
  return out;
}

/** Compresses bytes as one snappy block (for clients, tests and benchmarks). */
export function snappyEncode(data: Uint8Array): Uint8Array {
  init();
  return compress_raw(data);
}
