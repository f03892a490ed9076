/**
 * A pure-TypeScript Prometheus XOR chunk codec (Gorilla, Pelkonen et al. 2015: delta-of-delta
 * timestamps, XOR-compressed floats), byte-compatible with Prometheus's `chunkenc.XORChunk`.
 * Storage uses it only where the WASM arena is not involved (chunks built from OOO buffers and
 * the fallback arena); wasm/ is the fast path.
 */

const TWO32 = 4294967296;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** An XOR chunk being appended to; bytes grow as needed. */
export class XorEncoder {
  buf: Uint8Array;
  bits = 16; // after the 2-byte sample count header
  count = 0;
  #t = 0;
  #tDelta = 0;
  #vHi = 0;
  #vLo = 0;
  #leading = 0xff;
  #trailing = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
  }

  /** Bytes of the chunk so far (a copy). */
  bytes(): Uint8Array {
    return this.buf.slice(0, (this.bits + 7) >>> 3);
  }

  /** Last appended timestamp. */
  lastT(): number {
    return this.#t;
  }

  #grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }

  #bit(b: number): void {
    const byte = this.bits >>> 3;
    if (byte >= this.buf.length) this.#grow();
    if (b) this.buf[byte] |= 0x80 >>> (this.bits & 7);
    this.bits++;
  }

  /** Writes the low `n` (<= 32) bits of `x`, most significant first. */
  #write(x: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.#bit(i >= 32 ? 0 : (x >>> i) & 1);
  }

  #byte(b: number): void {
    this.#write(b & 0xff, 8);
  }

  /** Writes `n` bits of the 64-bit value (hi:lo) shifted right by `shift`. */
  #write64(hi: number, lo: number, shift: number, n: number): void {
    let h = hi, l = lo;
    if (shift >= 32) {
      l = hi >>> (shift - 32);
      h = 0;
    } else if (shift > 0) {
      l = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
      h = hi >>> shift;
    }
    if (n > 32) {
      this.#write(h, n - 32);
      this.#write(l, 32);
    } else this.#write(l, n);
  }

  #uvarint(x: number): void {
    while (x >= 0x80) {
      this.#byte((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    this.#byte(x);
  }

  /** Appends one sample; `t` must be greater than the previous one. */
  append(t: number, v: number): void {
    f64[0] = v;
    const hi = u32[1], lo = u32[0];
    if (this.count === 0) {
      this.#uvarint(t >= 0 ? t * 2 : -t * 2 - 1);
      this.#write(hi, 32);
      this.#write(lo, 32);
    } else if (this.count === 1) {
      const d = t - this.#t;
      this.#uvarint(d);
      this.#xor(hi, lo);
      this.#tDelta = d;
    } else {
      const d = t - this.#t;
      const dod = d - this.#tDelta;
      if (dod === 0) this.#bit(0);
      else if (dod >= -8191 && dod <= 8192) {
        this.#write(0b10, 2);
        this.#write(dod & 0x3fff, 14);
      } else if (dod >= -65535 && dod <= 65536) {
        this.#write(0b110, 3);
        this.#write(dod & 0x1ffff, 17);
      } else if (dod >= -524287 && dod <= 524288) {
        this.#write(0b1110, 4);
        this.#write(dod & 0xfffff, 20);
      } else {
        this.#write(0b1111, 4);
        const h = Math.floor(dod / TWO32);
        this.#write(h >>> 0, 32);
        this.#write((dod - h * TWO32) >>> 0, 32);
      }
      this.#tDelta = d;
      this.#xor(hi, lo);
    }
    this.#t = t;
    this.#vHi = hi;
    this.#vLo = lo;
    this.count++;
    this.buf[0] = this.count >>> 8;
    this.buf[1] = this.count & 0xff;
  }

  #xor(hi: number, lo: number): void {
    const dh = (hi ^ this.#vHi) >>> 0, dl = (lo ^ this.#vLo) >>> 0;
    if (dh === 0 && dl === 0) {
      this.#bit(0);
      return;
    }
    this.#bit(1);
    let leading = dh !== 0 ? Math.clz32(dh) : 32 + Math.clz32(dl);
    const trailing = dl !== 0 ? ctz32(dl) : 32 + ctz32(dh);
    if (leading >= 32) leading = 31;
    if (this.#leading !== 0xff && leading >= this.#leading && trailing >= this.#trailing) {
      this.#bit(0);
      this.#write64(dh, dl, this.#trailing, 64 - this.#leading - this.#trailing);
      return;
    }
    this.#leading = leading;
    this.#trailing = trailing;
    this.#bit(1);
    this.#write(leading, 5);
    const sig = 64 - leading - trailing;
    this.#write(sig & 63, 6);
    this.#write64(dh, dl, trailing, sig);
  }
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Encodes `n` samples from columns into a fresh XOR chunk. */
export function xorEncode(t: Float64Array, v: Float64Array, start: number, n: number): Uint8Array {
  const e = new XorEncoder(16 + n * 2);
  for (let i = 0; i < n; i++) e.append(t[start + i], v[start + i]);
  return e.bytes();
}

/** Number of samples in an XOR chunk. */
export function xorCount(b: Uint8Array): number {
  return (b[0] << 8) | b[1];
}

/**
 * Decodes an XOR chunk into `t`/`v` at offset `at`; returns the number of samples. The caller
 * sizes the columns with xorCount().
 */
export function xorDecode(b: Uint8Array, t: Float64Array, v: Float64Array, at = 0): number {
  const n = xorCount(b);
  let pos = 16;
  const bit = (): number => {
    const byte = pos >>> 3;
    if (byte >= b.length) throw new RangeError("xor chunk truncated");
    const r = (b[byte] >>> (7 - (pos & 7))) & 1;
    pos++;
    return r;
  };
  const read = (k: number): number => {
    let x = 0;
    for (let i = 0; i < k; i++) x = x * 2 + bit();
    return x;
  };
  const uvarint = (): number => {
    let x = 0, mul = 1;
    for (let i = 0; i < 10; i++) {
      const c = read(8);
      x += (c & 0x7f) * mul;
      if (c < 0x80) return x;
      mul *= 0x80;
    }
    throw new RangeError("xor chunk varint too long");
  };
  let tt = 0, delta = 0, hi = 0, lo = 0, leading = 0, trailing = 0;
  const readXor = (): void => {
    if (bit() === 0) return;
    if (bit() === 1) {
      leading = read(5);
      let sig = read(6);
      if (sig === 0) sig = 64;
      trailing = 64 - leading - sig;
    }
    const sig = 64 - leading - trailing;
    // Read `sig` bits as (h:l) then shift left by `trailing`.
    let h = 0, l = 0;
    if (sig > 32) {
      h = read(sig - 32);
      l = read(32);
    } else l = read(sig);
    if (trailing >= 32) {
      h = (l << (trailing - 32)) >>> 0;
      l = 0;
    } else if (trailing > 0) {
      h = ((h << trailing) | (l >>> (32 - trailing))) >>> 0;
      l = (l << trailing) >>> 0;
    }
    hi = (hi ^ h) >>> 0;
    lo = (lo ^ l) >>> 0;
  };
  for (let i = 0; i < n; i++) {
    if (i === 0) {
      const z = uvarint();
      tt = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      hi = read(32);
      lo = read(32);
    } else if (i === 1) {
      delta = uvarint();
      tt += delta;
      readXor();
    } else {
      let ones = 0;
      while (ones < 4 && bit() === 1) ones++;
      let dod = 0;
      if (ones === 1) dod = signExtend(read(14), 14);
      else if (ones === 2) dod = signExtend(read(17), 17);
      else if (ones === 3) dod = signExtend(read(20), 20);
      else if (ones === 4) {
        const h = read(32) | 0;
        dod = h * TWO32 + read(32);
      }
      delta += dod;
      tt += delta;
      readXor();
    }
    u32[1] = hi;
    u32[0] = lo;
    t[at + i] = tt;
    v[at + i] = f64[0];
  }
  return n;
}

function signExtend(x: number, bits: number): number {
  return x > 2 ** (bits - 1) ? x - 2 ** bits : x;
}
