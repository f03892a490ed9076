/**
 * Growable byte writer and a matching reader: unsigned LEB128 varints, zig-zag signed varints,
 * little-endian float64, length-prefixed UTF-8 strings. Used by every KV value encoding.
 */

const encoder = new TextEncoder();
/** True on little-endian hosts, where float columns are copied as bytes. */
export const LITTLE_ENDIAN = new Uint8Array(Float64Array.of(1).buffer)[7] === 0x3f;
const decoder = new TextDecoder();

/** An error reading a stored value: the bytes are truncated or malformed. */
export class CorruptValueError extends Error {
  override name = "CorruptValueError";
}

/** Appends encoded fields to an internal buffer that doubles as needed; reuse with `reset()`. */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  /** Bytes written so far. */
  length = 0;

  constructor(capacity = 1024) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Forgets the content, keeping the buffer. */
  reset(): void {
    this.length = 0;
  }

  #ensure(n: number): void {
    if (this.length + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /**
   * Makes room for `n` more bytes and returns the buffer, for callers that write runs of fields
   * themselves: they write at `length ..` and then set `length`. Valid until the next write.
   */
  reserve(n: number): Uint8Array {
    this.#ensure(n);
    return this.#buf;
  }

  /** One byte. */
  u8(x: number): void {
    this.#ensure(1);
    this.#buf[this.length++] = x;
  }

  /** Unsigned varint of a non-negative safe integer. */
  uvarint(x: number): void {
    if (x < 0x80 && x >= 0 && (x | 0) === x) {
      if (this.length === this.#buf.length) this.#ensure(1);
      this.#buf[this.length++] = x;
      return;
    }
    if (!(x >= 0) || !Number.isSafeInteger(x)) throw new Error(`BUG: uvarint ${x}`);
    this.#ensure(8);
    if (x < 0x10000000) {
      this.length = putUvarint32(this.#buf, this.length, x);
      return;
    }
    while (x >= 0x80) {
      this.#buf[this.length++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.#buf[this.length++] = x;
  }

  /** Zig-zag signed varint of a safe integer. */
  varint(x: number): void {
    this.uvarint(x >= 0 ? x * 2 : -x * 2 - 1);
  }

  /** Little-endian float64, bit-exact (NaN payloads kept). */
  f64(x: number): void {
    this.#ensure(8);
    this.#view.setFloat64(this.length, x, true);
    this.length += 8;
  }

  /** Copies raw float64 words from a typed array (bit-exact, little-endian). */
  f64s(src: Float64Array, start: number, n: number): void {
    this.#ensure(n * 8);
    if (LITTLE_ENDIAN && n >= 16) {
      this.#buf.set(new Uint8Array(src.buffer, src.byteOffset + start * 8, n * 8), this.length);
    } else {
      for (let i = 0; i < n; i++) this.#view.setFloat64(this.length + i * 8, src[start + i], true);
    }
    this.length += n * 8;
  }

  /** Raw bytes with a varint length prefix. */
  bytes(b: Uint8Array): void {
    this.uvarint(b.length);
    this.#ensure(b.length);
    this.#buf.set(b, this.length);
    this.length += b.length;
  }

  /** `src[from, to)` with a varint length prefix (what `bytes(src.subarray(from, to))` writes). */
  bytesOf(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    this.uvarint(n);
    this.#ensure(n);
    const buf = this.#buf;
    if (n > 64) buf.set(src.subarray(from, to), this.length);
    else for (let i = 0, at = this.length; i < n; i++) buf[at + i] = src[from + i];
    this.length += n;
  }

  /** Raw bytes without a prefix. */
  raw(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.length);
    this.length += b.length;
  }

  /** A UTF-8 string with a varint byte-length prefix. */
  str(s: string): void {
    const buf = this.reserve(strBytesMax(s));
    this.length = putStr(buf, this.length, s);
  }

  /** A view of the written bytes, valid until the next write or reset. */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.length);
  }

  /** A copy of the written bytes. */
  copy(): Uint8Array {
    return this.#buf.slice(0, this.length);
  }
}

/** Room `putStr` needs for `s`: a 5-byte length and at most 3 UTF-8 bytes per UTF-16 unit. */
export function strBytesMax(s: string): number {
  return 5 + 3 * s.length;
}

/**
 * Writes `s` at `buf[p]` as ByteWriter.str does (varint byte length, UTF-8 bytes) into room the
 * caller made (`strBytesMax`); returns the end. One pass for ASCII: the characters are copied as
 * they are checked, and only a string with a non-ASCII character is written again, encoded.
 */
export function putStr(buf: Uint8Array, p: number, s: string): number {
  const n = s.length, start = p;
  p = putUvarint32(buf, p, n);
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    seen |= c;
    buf[p++] = c;
  }
  if (seen < 0x80) return p;
  const b = encoder.encode(s);
  p = putUvarint32(buf, start, b.length);
  buf.set(b, p);
  return p + b.length;
}

/**
 * Writes `x` (an integer in [0, 2^32)) as a uvarint at `buf[p]` into room the caller made (at
 * most 5 bytes); returns the end.
 */
export function putUvarint32(buf: Uint8Array, p: number, x: number): number {
  while (x >= 0x80) {
    buf[p++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  buf[p++] = x;
  return p;
}

/** Reads fields written by ByteWriter; throws CorruptValueError past the end. */
export class ByteReader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  /** Current offset. */
  pos: number;

  constructor(buf: Uint8Array, pos = 0) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
  }

  /** True when every byte was read. */
  done(): boolean {
    return this.pos >= this.#buf.length;
  }

  #need(n: number): void {
    if (this.pos + n > this.#buf.length) throw new CorruptValueError("truncated value");
  }

  /** One byte. */
  u8(): number {
    this.#need(1);
    return this.#buf[this.pos++];
  }

  /** Unsigned varint. */
  uvarint(): number {
    let x = 0, mul = 1;
    for (let i = 0; i < 8; i++) {
      this.#need(1);
      const b = this.#buf[this.pos++];
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 0x80;
    }
    throw new CorruptValueError("varint too long");
  }

  /** Zig-zag signed varint. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Little-endian float64. */
  f64(): number {
    this.#need(8);
    const x = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }

  /** `n` float64 words into `dst` at `at`. */
  f64s(dst: Float64Array, at: number, n: number): void {
    this.#need(n * 8);
    if (LITTLE_ENDIAN && n >= 16) {
      new Uint8Array(dst.buffer, dst.byteOffset + at * 8, n * 8)
        .set(this.#buf.subarray(this.pos, this.pos + n * 8));
    } else {
      for (let i = 0; i < n; i++) dst[at + i] = this.#view.getFloat64(this.pos + i * 8, true);
    }
    this.pos += n * 8;
  }

  /** Length-prefixed bytes (a view into the source). */
  bytes(): Uint8Array {
    const n = this.uvarint();
    this.#need(n);
    const b = this.#buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** Length-prefixed UTF-8 string. */
  str(): string {
    return decoder.decode(this.bytes());
  }
}
