// Snappy block decoding (the format remote write uses) straight into linear memory, so that the
// remote-write decoder reads the decompressed request where it was written (no copy out, no
// per-request buffer), and hashing of raw label regions in the same memory.
//
// Block format: uvarint(decompressed length), then elements. Tag byte, low two bits:
//   00 literal: length-1 in tag>>2 (0..59), or in the next 1..4 bytes (tag>>2 = 60..63)
//   01 copy: length 4 + ((tag>>2) & 7), offset ((tag>>5) << 8) | next byte
//   10 copy: length 1 + (tag>>2), offset u16 LE
//   11 copy: length 1 + (tag>>2), offset u32 LE
// A copy reads `offset` bytes back in the output (overlap allowed: offset < length repeats).
//
// Fast paths write up to 16 bytes past the current element, so the caller leaves SNAPPY_SLACK
// bytes after both the input and the output areas; the result is exact regardless.

/** Bytes the caller keeps readable after the input and writable after the output area. */
export const SNAPPY_SLACK: usize = 32;

/** Errors (negative returns of snappy_decode). */
const ERR_HEADER: i32 = -1; // length header missing or different from dstLen
const ERR_LITERAL: i32 = -2; // literal runs past the input or the output
const ERR_TRUNCATED: i32 = -3; // tag needs bytes past the end of the input
const ERR_OFFSET: i32 = -4; // copy offset 0 or before the start of the output
const ERR_COPY: i32 = -5; // copy runs past the output
const ERR_LENGTH: i32 = -6; // input ended before the output was full

/**
 * Decodes the snappy block at `src` (`srcLen` bytes) into `dst`, which must be exactly the
 * declared length `dstLen`. Returns 0, or a negative error code when the block is corrupt.
 */
export function snappy_decode(src: usize, srcLen: usize, dst: usize, dstLen: usize): i32 {
  let s = src;
  const sEnd = src + srcLen;
  // Length header (uvarint, at most 5 bytes for 32 bits).
  let n: u64 = 0;
  let shift: u64 = 0;
  for (;;) {
    if (s >= sEnd || shift > 28) return ERR_HEADER;
    const b = <u64>load<u8>(s++);
    n |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  if (n != <u64>dstLen) return ERR_HEADER;
  let d = dst;
  const dEnd = dst + dstLen;
  while (s < sEnd) {
    const tag = <usize>load<u8>(s++);
    const kind = tag & 3;
    if (kind == 0) {
      let len = tag >> 2;
      if (len >= 60) {
        const nb = len - 59;
        if (nb > sEnd - s) return ERR_TRUNCATED;
        // Little-endian 1..4 bytes; the slack after the input makes the 4-byte load safe.
        const raw = load<u32>(s);
        len = nb == 4 ? <usize>raw : <usize>(raw & ((<u32>1 << (<u32>nb * 8)) - 1));
        s += nb;
        // len + 1 would wrap for 0xffffffff: compare before adding.
        if (len >= sEnd - s || len >= dEnd - d) return ERR_LITERAL;
        len += 1;
      } else {
        len += 1;
        if (len > sEnd - s || len > dEnd - d) return ERR_LITERAL;
      }
      if (len <= 16) {
        store<u64>(d, load<u64>(s));
        store<u64>(d + 8, load<u64>(s + 8));
      } else {
        memory.copy(d, s, len);
      }
      d += len;
      s += len;
      continue;
    }
    let len: usize;
    let off: usize;
    if (kind == 1) {
      if (s >= sEnd) return ERR_TRUNCATED;
      len = 4 + ((tag >> 2) & 7);
      off = ((tag >> 5) << 8) | <usize>load<u8>(s);
      s += 1;
    } else if (kind == 2) {
      if (sEnd - s < 2) return ERR_TRUNCATED;
      len = 1 + (tag >> 2);
      off = <usize>load<u16>(s);
      s += 2;
    } else {
      if (sEnd - s < 4) return ERR_TRUNCATED;
      len = 1 + (tag >> 2);
      off = <usize>load<u32>(s);
      s += 4;
    }
    if (off == 0 || off > d - dst) return ERR_OFFSET;
    if (len > dEnd - d) return ERR_COPY;
    const from = d - off;
    if (off >= 8) {
      // Each 8-byte step reads bytes already written (off >= 8), so overlap is handled.
      let i: usize = 0;
      do {
        store<u64>(d + i, load<u64>(from + i));
        i += 8;
      } while (i < len);
    } else {
      for (let i: usize = 0; i < len; i++) store<u8>(d + i, load<u8>(from + i));
    }
    d += len;
  }
  return d == dEnd ? 0 : ERR_LENGTH;
}

const MUL: u64 = 0x9e3779b97f4a7c15;
const MUL2: u64 = 0xc2b2ae3d27d4eb4f;

/**
 * A 30-bit hash of the bytes `[p, p + len)`: four lanes of 8-byte words (the multiply chains
 * overlap), the tail bytes, and the length. Only needs to be the same function on every call;
 * equality is decided by comparing bytes.
 */
export function hash_bytes(p: usize, len: usize): i32 {
  let a: u64 = 0x243f6a8885a308d3 ^ <u64>len;
  let b: u64 = 0x13198a2e03707344;
  let c: u64 = 0xa4093822299f31d0;
  let d: u64 = 0x082efa98ec4e6c89;
  const end = p + len;
  let q = p;
  for (; q + 32 <= end; q += 32) {
    a = (a ^ load<u64>(q)) * MUL;
    b = (b ^ load<u64>(q + 8)) * MUL;
    c = (c ^ load<u64>(q + 16)) * MUL;
    d = (d ^ load<u64>(q + 24)) * MUL;
    a ^= a >> 29;
    b ^= b >> 29;
    c ^= c >> 29;
    d ^= d >> 29;
  }
  for (; q + 8 <= end; q += 8) {
    a = (a ^ load<u64>(q)) * MUL;
    a ^= a >> 29;
  }
  let t: u64 = 0;
  let sh: u64 = 0;
  for (; q < end; q++, sh += 8) t |= <u64>load<u8>(q) << sh;
  b = (b ^ t) * MUL2;
  c = (c ^ (d >> 17) ^ (d << 11)) * MUL2;
  let h = (a ^ (b >> 31) ^ (b << 7) ^ c) * MUL;
  h ^= h >> 32;
  return <i32>(<u32>h & 0x3fffffff);
}
