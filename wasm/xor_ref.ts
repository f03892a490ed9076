/**
 * Reference Prometheus XOR chunk codec in plain TypeScript, written for clarity with BigInt.
 * Test oracle ONLY (slow, allocates per sample): the WASM codec in wasm/assembly/ is what runs.
 * It models Prometheus's bit stream literally (writeBit / writeByte), including the writeByte of
 * Prometheus 2.x that left an extra zero byte at the end when the stream ended byte-aligned after
 * a whole-byte write (fixed in 3.0), so 2.x fixtures can be compared byte for byte.
 * Algorithm: Gorilla (Pelkonen et al., VLDB 2015) as adapted by Prometheus tsdb/chunkenc/xor.go.
 * @module
 */

/** Which Prometheus bit-stream writer to model. */
export type BstreamFlavour = "v2" | "v3";

const M64 = (1n << 64n) - 1n;

class RefBstream {
  bytes: number[] = [0, 0];
  count = 0; // free bits in the last byte
  constructor(readonly flavour: BstreamFlavour) {}

  writeBit(bit: boolean): void {
    if (this.count === 0) {
      this.bytes.push(0);
      this.count = 8;
    }
    if (bit) this.bytes[this.bytes.length - 1] |= 1 << (this.count - 1);
    this.count--;
  }

  writeByte(b: number): void {
    if (this.flavour === "v3") {
      if (this.count === 0) {
        this.bytes.push(b);
        return;
      }
      this.bytes[this.bytes.length - 1] |= b >> (8 - this.count);
      this.bytes.push((b << this.count) & 0xff);
      return;
    }
    if (this.count === 0) {
      this.bytes.push(0);
      this.count = 8;
    }
    this.bytes[this.bytes.length - 1] |= b >> (8 - this.count);
    this.bytes.push((b << this.count) & 0xff);
  }

  writeBits(u: bigint, nbits: number): void {
    let x = (u << BigInt(64 - nbits)) & M64;
    while (nbits >= 8) {
      this.writeByte(Number(x >> 56n));
      x = (x << 8n) & M64;
      nbits -= 8;
    }
    while (nbits > 0) {
      this.writeBit(x >> 63n === 1n);
      x = (x << 1n) & M64;
      nbits--;
    }
  }
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

function bitsOf(v: number): bigint {
  f64[0] = v;
  return u64[0];
}

function fromBits(b: bigint): number {
  u64[0] = b;
  return f64[0];
}

function clz64(x: bigint): number {
  let n = 0;
  for (let m = 1n << 63n; m > 0n && (x & m) === 0n; m >>= 1n) n++;
  return n;
}

function ctz64(x: bigint): number {
  let n = 0;
  for (let m = 1n; n < 64 && (x & m) === 0n; m <<= 1n) n++;
  return n;
}

function putUvarint(b: RefBstream, x: bigint): void {
  while (x >= 0x80n) {
    b.writeByte(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  b.writeByte(Number(x));
}

function bitRange(x: bigint, nbits: number): boolean {
  const h = 1n << BigInt(nbits - 1);
  return -(h - 1n) <= x && x <= h;
}

/**
 * Encodes samples (`t` in ms, bit-exact `v`) into XOR chunk bytes the way Prometheus writes them.
 * With `reopenAt` = i, models a Prometheus appender re-created (`XORChunk.Appender()`) before
 * sample i.
 */
export function refEncode(
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  flavour: BstreamFlavour = "v3",
  reopenAt = -1,
): Uint8Array {
  const b = new RefBstream(flavour);
  let prevT = 0n, prevV = 0n, tDelta = 0n, leading = 0xff, trailing = 0;
  for (let i = 0; i < t.length; i++) {
    // Prometheus's XORChunk.Appender() on a non-empty chunk resumes with the window its iterator
    // ended with: 0/0 when no XOR window was ever written (all values equal so far).
    if (i === reopenAt && i > 0 && leading === 0xff) (leading = 0, trailing = 0);
    const ts = BigInt(t[i]);
    const vb = bitsOf(v[i]);
    let d = 0n;
    if (i === 0) {
      putUvarint(b, BigInt.asUintN(64, (ts << 1n) ^ (ts < 0n ? -1n : 0n)));
      b.writeBits(vb, 64);
    } else {
      d = BigInt.asUintN(64, ts - prevT);
      if (i === 1) {
        putUvarint(b, d);
      } else {
        const dod = BigInt.asIntN(64, d - tDelta);
        const u = BigInt.asUintN(64, dod);
        if (dod === 0n) b.writeBit(false);
        else if (bitRange(dod, 14)) (b.writeBits(0b10n, 2), b.writeBits(u & 0x3fffn, 14));
        else if (bitRange(dod, 17)) (b.writeBits(0b110n, 3), b.writeBits(u & 0x1ffffn, 17));
        else if (bitRange(dod, 20)) (b.writeBits(0b1110n, 4), b.writeBits(u & 0xfffffn, 20));
        else (b.writeBits(0b1111n, 4), b.writeBits(u, 64));
      }
      const x = vb ^ prevV;
      if (x === 0n) {
        b.writeBit(false);
      } else {
        b.writeBit(true);
        let lz = clz64(x);
        const tz = ctz64(x);
        if (lz >= 32) lz = 31;
        if (leading !== 0xff && lz >= leading && tz >= trailing) {
          b.writeBit(false);
          b.writeBits(x >> BigInt(trailing), 64 - leading - trailing);
        } else {
          leading = lz;
          trailing = tz;
          b.writeBit(true);
          b.writeBits(BigInt(lz), 5);
          const sig = 64 - lz - tz;
          b.writeBits(BigInt(sig & 63), 6);
          b.writeBits(x >> BigInt(tz), sig);
        }
      }
    }
    prevT = ts;
    prevV = vb;
    tDelta = d;
    b.bytes[0] = ((i + 1) >> 8) & 0xff;
    b.bytes[1] = (i + 1) & 0xff;
  }
  return Uint8Array.from(b.bytes);
}

/** Decodes XOR chunk bytes (reference); throws RangeError when the bytes end early. */
export function refDecode(bytes: Uint8Array): { t: number[]; v: number[] } {
  const n = (bytes[0] << 8) | bytes[1];
  let pos = 16;
  const bit = (): bigint => {
    if (pos >= bytes.length * 8) throw new RangeError("unexpected end of chunk data");
    const b = (bytes[pos >> 3] >> (7 - (pos & 7))) & 1;
    pos++;
    return BigInt(b);
  };
  const bits = (k: number): bigint => {
    let x = 0n;
    for (let i = 0; i < k; i++) x = (x << 1n) | bit();
    return x;
  };
  const uvarint = (): bigint => {
    let x = 0n;
    for (let s = 0n;; s += 7n) {
      const b = bits(8);
      x |= (b & 0x7fn) << s;
      if (b < 0x80n) return x;
      if (s > 63n) throw new RangeError("varint overflow");
    }
  };
  const t: number[] = [], v: number[] = [];
  let ts = 0n, vb = 0n, tDelta = 0n, leading = 0, trailing = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0) {
      const ux = uvarint();
      ts = BigInt.asIntN(64, (ux >> 1n) ^ -(ux & 1n));
      vb = bits(64);
    } else {
      if (i === 1) {
        tDelta = uvarint();
      } else {
        let ones = 0;
        while (ones < 4 && bit() === 1n) ones++;
        const sz = [0, 14, 17, 20, 64][ones];
        let dod = 0n;
        if (sz === 64) dod = BigInt.asIntN(64, bits(64));
        else if (sz > 0) {
          dod = bits(sz);
          if (dod > 1n << BigInt(sz - 1)) dod -= 1n << BigInt(sz);
        }
        tDelta = BigInt.asUintN(64, tDelta + dod);
      }
      ts = BigInt.asIntN(64, ts + tDelta);
      if (bit() === 1n) {
        let m: number;
        if (bit() === 1n) {
          leading = Number(bits(5));
          m = Number(bits(6)) || 64;
          trailing = 64 - leading - m;
        } else m = 64 - leading - trailing;
        vb ^= bits(m) << BigInt(trailing);
      }
    }
    t.push(Number(ts));
    v.push(fromBits(vb));
  }
  return { t, v };
}
