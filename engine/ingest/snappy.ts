/**
 * Snappy block format (what remote write uses). Decoding is our own (wasm/assembly/snappy.ts),
 * straight into the WASM buffer the remote-write decoder reads; snappy-wasm compresses (clients,
 * tests, benchmarks) and is the oracle of decoder tests. The block starts with a uvarint of the
 * decompressed length; we read and check it against the caller's limit before decoding.
 */
import { compress_raw, decompress_raw, initSync } from "snappy-wasm";
import { ingestBuffer, SnappyBlockError } from "../../wasm/mod.ts";
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
 * Decompresses one snappy block into the process's WASM decode buffer and returns a view of the
 * result there, valid until the next decode (remote-write decoding reads it synchronously and
 * copies what it keeps). Throws `BodyTooLargeError` when the declared length exceeds
 * `decompressedBytesMax` and `SnappyDecodeError` when the block is corrupt or its length lies.
 */
export function snappyDecodeView(block: Uint8Array, decompressedBytesMax: number): Uint8Array {
  const declared = snappyDecodedLength(block);
  if (declared < 0) throw new SnappyDecodeError("corrupt input: bad length header");
  if (declared > decompressedBytesMax) throw new BodyTooLargeError(declared, decompressedBytesMax);
  try {
    return ingestBuffer().decodeSnappy(block, declared);
  } catch (e) {
    if (e instanceof SnappyBlockError) throw new SnappyDecodeError(e.detail);
    throw e;
  }
}

/** `snappyDecodeView`, but the result is a copy the caller owns. */
export function snappyDecode(block: Uint8Array, decompressedBytesMax: number): Uint8Array {
  return snappyDecodeView(block, decompressedBytesMax).slice();
}

/** snappy-wasm's decoder (a test oracle for ours). */
export function snappyDecodeReference(block: Uint8Array): Uint8Array {
  init();
  return decompress_raw(block);
}

/** Compresses bytes as one snappy block (for clients, tests and benchmarks). */
export function snappyEncode(data: Uint8Array): Uint8Array {
  init();
  return compress_raw(data);
}
