// Big-endian bit stream primitives over linear memory (most significant bit first), the layout of
// Prometheus's bstream. Writers use one unaligned 64-bit read-modify-write per call, so a buffer
// must have at least 8 bytes of capacity past the byte being written (chunk.ts keeps that slack).

/** Writes the low `n` bits (1..32) of `u` at bit position `pos` of `buf`; returns the new position.
 * Bits after the written ones in the same 8-byte window are zeroed (they are beyond the end). */
// @ts-ignore: decorator
@inline export function putBits32(buf: usize, pos: u32, u: u64, n: u32): u32 {
  const p = buf + <usize>(pos >>> 3);
  const used = <u64>(pos & 7);
  const keep: u64 = used == 0 ? 0 : ~(<u64>-1 >>> used);
  const cur = bswap<u64>(load<u64>(p));
  const bits = (u & ((<u64>1 << <u64>n) - 1)) << (<u64>64 - used - <u64>n);
  store<u64>(p, bswap<u64>((cur & keep) | bits));
  return pos + n;
}

/** Writes the low `n` bits (1..64) of `u` at bit position `pos`; returns the new position. */
// @ts-ignore: decorator
@inline export function putBits(buf: usize, pos: u32, u: u64, n: u32): u32 {
  if (n > 32) {
    pos = putBits32(buf, pos, u >>> 32, n - 32);
    return putBits32(buf, pos, u, 32);
  }
  return putBits32(buf, pos, u, n);
}

/** Reads `n` bits (1..32) at bit position `pos` of a buffer of `len` bytes. The caller checked
 * that `pos + n` does not pass the end. */
// @ts-ignore: decorator
@inline export function getBits32(buf: usize, len: u32, pos: u32, n: u32): u64 {
  const byteIdx = pos >>> 3;
  const used = <u64>(pos & 7);
  let w: u64;
  if (byteIdx + 8 <= len) {
    w = bswap<u64>(load<u64>(buf + <usize>byteIdx));
  } else {
    // Near the end: assemble the remaining bytes, zero-padded.
    w = 0;
    for (let i: u32 = 0; i < 8; i++) {
      w <<= 8;
      if (byteIdx + i < len) w |= <u64>load<u8>(buf + <usize>(byteIdx + i));
    }
  }
  return (w << used) >>> (<u64>64 - <u64>n);
}

/** Reads `n` bits (1..64); see getBits32. */
// @ts-ignore: decorator
@inline export function getBits(buf: usize, len: u32, pos: u32, n: u32): u64 {
  if (n > 32) {
    const hi = getBits32(buf, len, pos, n - 32);
    return (hi << 32) | getBits32(buf, len, pos + n - 32, 32);
  }
  return getBits32(buf, len, pos, n);
}
