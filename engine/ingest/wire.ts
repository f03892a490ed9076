/**
 * Protobuf wire-format reading for the hand-written remote-write decoders. Every read is bounds
 * checked and fails with `ProtobufDecodeError` (a 400), never with a RangeError or a crash.
 * int64 fields become exact `number`s; values outside ±(2^53−1) are rejected, not rounded.
 */
import { ProtobufDecodeError } from "./errors.ts";
import { alignedWords } from "./bytes_hash.ts";

/** Wire types. */
export const WT_VARINT = 0;
/** 64-bit fixed. */
export const WT_I64 = 1;
/** Length-delimited. */
export const WT_LEN = 2;
/** 32-bit fixed. */
export const WT_I32 = 5;

const TWO_32 = 4294967296;

/** A cursor over one protobuf buffer. Not thread-safe; reuse with `reset()`. */
export class WireReader {
  buf: Uint8Array = new Uint8Array(0);
  dv: DataView = new DataView(new ArrayBuffer(0));
  pos = 0;
  /** High 32 bits of the last `varint64Parts()` read. */
  hi = 0;
  /** Aligned word view of `buf` (bytes_hash.ts). */
  u32: Uint32Array = new Uint32Array(0);

  /** Points the reader at `buf` from offset 0; copies it once if it does not start 4-aligned. */
  reset(buf: Uint8Array): void {
    let u32 = alignedWords(buf);
    if (u32 === undefined) {
      buf = buf.slice();
      u32 = alignedWords(buf)!;
    }
    this.u32 = u32;
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = 0;
  }

  /**
   * Points the reader at a new view of the same bytes (after a WASM memory grew and detached the
   * old one), keeping the position.
   */
  rebase(buf: Uint8Array): void {
    this.u32 = alignedWords(buf)!;
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Throws the typed decode error at the current position. */
  fail(detail: string): never {
    throw new ProtobufDecodeError(detail, this.pos);
  }

  /** Reads a varint that must fit 32 bits unsigned (tags, lengths, uint32, enums, refs). */
  uint32(end: number): number {
    const buf = this.buf;
    let p = this.pos;
    if (p < end) {
      const b = buf[p];
      if (b < 0x80) {
        this.pos = p + 1;
        return b;
      }
    }
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= end) this.fail("truncated varint");
      const b = buf[p++];
      if (i < 5) v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) {
        this.pos = p;
        // Negative int32 enums arrive sign-extended to 10 bytes; keep their low 32 bits.
        return v % TWO_32;
      }
    }
    this.fail("varint longer than 10 bytes");
  }

  /**
   * Reads a 64-bit varint into two halves: returns the low 32 bits unsigned and leaves the
   * high 32 bits in `this.hi`.
   */
  varint64Parts(end: number): number {
    const buf = this.buf;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= end) this.fail("truncated varint");
      const b = buf[p++];
      const bits = b & 0x7f;
      if (i < 4) {
        lo += bits * 2 ** shift;
      } else if (i === 4) {
        lo += (bits & 0x0f) * 2 ** 28;
        hi += bits >>> 4;
      } else {
        hi += bits * 2 ** (shift - 32);
      }
      shift += 7;
      if (b < 0x80) {
        this.pos = p;
        this.hi = hi % TWO_32;
        return lo;
      }
    }
    this.fail("varint longer than 10 bytes");
  }

  /** Reads an int64 varint as an exact integer `number`; rejects magnitudes above 2^53−1. */
  int64(end: number): number {
    const buf = this.buf;
    const p = this.pos;
    // Fast path: up to 7 bytes (49 bits) is always exact and non-negative.
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 7 && p + i < end; i++) {
      const b = buf[p + i];
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = p + i + 1;
        return v;
      }
      mul *= 128;
    }
    const lo = this.varint64Parts(end);
    const hi = this.hi;
    if (hi < 0x80000000) {
      if (hi > 0x1fffff) this.fail("int64 value above 2^53-1");
      return hi * TWO_32 + lo;
    }
    // Two's complement negative.
    const nlo = (TWO_32 - lo) % TWO_32;
    let nhi = TWO_32 - 1 - hi;
    if (nlo === 0) nhi += 1;
    if (nhi > 0x1fffff) this.fail("int64 value below -(2^53-1)");
    return -(nhi * TWO_32 + nlo);
  }

  /** Reads a uint64 varint as a `number` (rounded above 2^53; used for histogram counts). */
  uint64(end: number): number {
    const lo = this.varint64Parts(end);
    return this.hi * TWO_32 + lo;
  }

  /** Reads a zigzag sint64 as a `number` (rounded beyond 2^53; used for bucket deltas). */
  sint64(end: number): number {
    const lo = this.varint64Parts(end);
    const hi = this.hi;
    // zigzag: (n >>> 1) ^ -(n & 1) on 64 bits.
    const neg = lo & 1;
    const mag = (hi * TWO_32 + lo - neg) / 2;
    return neg ? -mag - 1 : mag;
  }

  /** Reads a zigzag sint32. */
  sint32(end: number): number {
    const n = this.uint32(end);
    return n & 1 ? -((n + 1) / 2) : n / 2;
  }

  /** Reads a little-endian double. */
  double(end: number): number {
    const p = this.pos;
    if (p + 8 > end) this.fail("truncated fixed64");
    this.pos = p + 8;
    return this.dv.getFloat64(p, true);
  }

  /** Reads a length prefix and returns the end offset of the field, checked against `end`. */
  lenEnd(end: number): number {
    const n = this.uint32(end);
    const e = this.pos + n;
    if (e > end) this.fail("truncated length-delimited field");
    return e;
  }

  /** Skips one field of wire type `wt`. */
  skip(wt: number, end: number): void {
    switch (wt) {
      case WT_VARINT:
        this.varint64Parts(end);
        return;
      case WT_I64:
        if (this.pos + 8 > end) this.fail("truncated fixed64");
        this.pos += 8;
        return;
      case WT_LEN:
        this.pos = this.lenEnd(end);
        return;
      case WT_I32:
        if (this.pos + 4 > end) this.fail("truncated fixed32");
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wt}`);
    }
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes UTF-8 bytes `buf[start, end)` to a flat string; invalid UTF-8 is a decode error.
 * Short ASCII is built char by char (V8 makes flat strings below 13 chars); longer ASCII in one
 * `fromCharCode` call, because `+=` beyond 12 chars builds a ConsString tree (~20 B per char
 * retained for as long as the label lives).
 */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 12) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c >= 0x80) return decodeUtf8Slow(buf, start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  if (n <= 256) {
    for (let i = start; i < end; i++) if (buf[i] >= 0x80) return decodeUtf8Slow(buf, start, end);
    return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  return decodeUtf8Slow(buf, start, end);
}

function decodeUtf8Slow(buf: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new ProtobufDecodeError("invalid UTF-8 in string field", start);
  }
}
