import { assert, assertEquals, assertThrows } from "../tests/assert.ts";
import {
  ChunkAppendError,
  ChunkDecodeError,
  createChunkArena,
  decodeXorChunk,
  encodeXorChunk,
} from "./mod.ts";
import { refDecode, refEncode } from "./xor_ref.ts";
import { rng } from "../tests/rng.ts";

const STALE_NAN = bitsToF64(0x7ff0000000000002n);

function bitsToF64(b: bigint): number {
  return new Float64Array(BigUint64Array.of(b).buffer)[0];
}

function f64Bits(col: ArrayLike<number>): bigint[] {
  const out: bigint[] = [];
  const tmp = new Float64Array(1), u = new BigUint64Array(tmp.buffer);
  for (let i = 0; i < col.length; i++) {
    tmp[0] = col[i];
    out.push(u[0]);
  }
  return out;
}

interface Case {
  name: string;
  t: Float64Array;
  v: Float64Array;
}

function randomCase(seed: number, n: number): Case {
  const r = rng(seed);
  const t = new Float64Array(n), v = new Float64Array(n);
  const kind = seed % 6;
  let ts = Math.floor((r() - 0.3) * 2 ** 45);
  let val = r() * 1000;
  const step = [15000, 1000, 60000, 1, 30000, 10][kind];
  for (let i = 0; i < n; i++) {
    // Mostly regular, sometimes jittered, sometimes large gaps (every dod bucket).
    const p = r();
    if (p < 0.6) ts += step;
    else if (p < 0.8) ts += step + Math.floor((r() - 0.5) * 200);
    else if (p < 0.9) ts += Math.floor(r() * 2 ** (1 + Math.floor(r() * 40)));
    else ts += 0;
    t[i] = ts;
    const q = r();
    if (kind === 0) val += Math.floor(r() * 10); // counter
    else if (kind === 1) val = Math.round(r() * 100) / 4; // small set of gauge values
    else if (kind === 2) val = q < 0.5 ? val : r() * 2 ** Math.floor(r() * 200 - 100);
    else if (kind === 3) {
      val = bitsToF64(BigInt(Math.floor(r() * 2 ** 32)) << BigInt(Math.floor(r() * 32)));
    } else if (kind === 4) {
      val = [NaN, STALE_NAN, Infinity, -Infinity, -0, 0, 1e308, 5e-324][Math.floor(q * 8)];
    } else val = q < 0.3 ? val : -val * 1.0001;
    v[i] = val;
  }
  return { name: `random seed ${seed} n ${n}`, t, v };
}

function cols(t: number[], v: number[], name: string): Case {
  return { name, t: Float64Array.from(t), v: Float64Array.from(v) };
}

function edgeCases(): Case[] {
  const base = 1_700_000_000_000;
  const cases: Case[] = [
    cols([], [], "empty chunk"),
    cols([base], [1.5], "one sample"),
    cols([base, base + 15000], [1, 1], "two equal samples"),
    cols([-5, -3, 7], [1, 2, 3], "negative first timestamp"),
    cols([0, 0, 0], [0, -0, 0], "zero timestamps and signed zero"),
    cols(
      [base, base + 1, base + 2, base + 3],
      [NaN, STALE_NAN, NaN, STALE_NAN],
      "NaN and StaleNaN",
    ),
    cols([base, base + 1, base + 2, base + 3], [Infinity, -Infinity, Infinity, 0], "infinities"),
    cols([2 ** 53 - 10, 2 ** 53 - 5, 2 ** 53 - 1], [1, 2, 3], "huge timestamps"),
    cols([-(2 ** 53) + 1, 0, 2 ** 53 - 1], [1, 2, 3], "timestamps spanning ±2^53"),
    cols([base, base - 1000, base - 500, base + 7], [1, 2, 3, 4], "timestamps going backwards"),
    cols(Array.from({ length: 120 }, (_, i) => base + i * 15000), Array(120).fill(42), "flat"),
    cols([0, 1, 2, 3, 4], [1, 1 + 2 ** -52, 1, 2 ** 1000, 2 ** -1000], "xor windows"),
  ];
  // Delta-of-delta at every bucket boundary, both signs.
  const dods = [
    8192,
    8193,
    -8191,
    -8192,
    65536,
    65537,
    -65535,
    -65536,
    524288,
    524289,
    -524287,
    -524288,
    2 ** 40,
    -(2 ** 40),
  ];
  const t = [base, base + 2 ** 41];
  for (const d of dods) t.push(t[t.length - 1] + (t[t.length - 1] - t[t.length - 2]) + d);
  cases.push(cols(t, t.map((_, i) => i), "dod bucket boundaries"));
  // Leading zeros beyond the 5-bit cap (clamped at 31) and 64 significant bits.
  cases.push(cols([0, 1, 2, 3, 4, 5], [
    bitsToF64(0x0000000000000001n),
    bitsToF64(0x0000000000000003n),
    bitsToF64(0x8000000000000003n),
    bitsToF64(0x7fffffffffffffffn),
    bitsToF64(0x0000000100000000n),
    bitsToF64(0x0000000000000000n),
  ], "leading zero cap and 64-bit windows"));
  return cases;
}

function allCases(): Case[] {
  const out = edgeCases();
  for (let s = 1; s <= 60; s++) out.push(randomCase(s, [1, 2, 3, 17, 120, 700][s % 6]));
  return out;
}

Deno.test("encodeXorChunk() writes the same bytes as the reference codec", () => {
  for (const c of allCases()) {
    const got = encodeXorChunk(c.t, c.v);
    assertEquals(Array.from(got), Array.from(refEncode(c.t, c.v)), c.name);
  }
});

Deno.test("decodeXorChunk() returns every sample bit-exact, as the reference decoder does", () => {
  for (const c of allCases()) {
    const bytes = refEncode(c.t, c.v);
    const d = decodeXorChunk(bytes);
    assertEquals(Array.from(d.t), Array.from(c.t), c.name);
    assertEquals(f64Bits(d.v), f64Bits(c.v), c.name);
    const r = refDecode(bytes);
    assertEquals(r.t, Array.from(c.t), c.name);
    assertEquals(f64Bits(r.v), f64Bits(c.v), c.name);
  }
});

Deno.test("decodeBytes() ignores the extra zero byte Prometheus 2.x leaves", () => {
  for (const c of allCases()) {
    const v2 = refEncode(c.t, c.v, "v2");
    const v3 = refEncode(c.t, c.v, "v3");
    assert(v2.length === v3.length || (v2.length === v3.length + 1 && v2.at(-1) === 0), c.name);
    assertEquals(Array.from(v2.subarray(0, v3.length)), Array.from(v3), c.name);
    assertEquals(f64Bits(decodeXorChunk(v2).v), f64Bits(c.v), c.name);
  }
});

Deno.test("appendBatch() of many chunks in one call equals encoding each chunk alone", () => {
  const a = createChunkArena();
  const cases = allCases().filter((c) => c.t.length > 0);
  const handles = cases.map(() => a.open());
  // Feed every case in pieces over several batches, interleaving chunks within each batch.
  const done = cases.map(() => 0);
  const r = rng(7);
  while (done.some((d, i) => d < cases[i].t.length)) {
    const hs: number[] = [], cs: number[] = [], ts: number[] = [], vs: number[] = [];
    cases.forEach((c, i) => {
      if (done[i] >= c.t.length || r() < 0.3) return;
      const k = Math.min(c.t.length - done[i], 1 + Math.floor(r() * 50));
      hs.push(handles[i]);
      cs.push(k);
      for (let j = done[i]; j < done[i] + k; j++) (ts.push(c.t[j]), vs.push(c.v[j]));
      done[i] += k;
    });
    const n = a.appendBatch(
      Uint32Array.from(hs),
      Uint32Array.from(cs),
      Float64Array.from(ts),
      Float64Array.from(vs),
    );
    assertEquals(n, ts.length);
  }
  cases.forEach((c, i) => {
    assertEquals(Array.from(a.bytes(handles[i])), Array.from(refEncode(c.t, c.v)), c.name);
    const info = a.info(handles[i]);
    assertEquals(info.samples, c.t.length);
    assertEquals(info.lastT, c.t[c.t.length - 1]);
    // A NaN's payload need not survive as a JS number; decode() below checks bits.
    assert(Object.is(info.lastV, c.v[c.v.length - 1]) || (isNaN(info.lastV) && isNaN(c.v.at(-1)!)));
    const d = a.decode(handles[i]);
    assertEquals(Array.from(d.t), Array.from(c.t), c.name);
    assertEquals(f64Bits(d.v), f64Bits(c.v), c.name);
  });
  const outT = new Float64Array(handles.length), outN = new Uint32Array(handles.length);
  a.lastTimestamps(Uint32Array.from(handles), outT, outN);
  assertEquals(Array.from(outT), cases.map((c) => c.t[c.t.length - 1]));
  assertEquals(Array.from(outN), cases.map((c) => c.t.length));
});

Deno.test("openFrom() continues a chunk exactly as uninterrupted appends would", () => {
  const a = createChunkArena();
  for (const c of allCases().filter((c) => c.t.length <= 120)) {
    const want = Array.from(refEncode(c.t, c.v));
    for (let split = 0; split <= c.t.length; split++) {
      const h = a.openFrom(refEncode(c.t.subarray(0, split), c.v.subarray(0, split), "v2"));
      a.appendBatch(
        Uint32Array.of(h),
        Uint32Array.of(c.t.length - split),
        c.t.subarray(split),
        c.v.subarray(split),
      );
      assertEquals(Array.from(a.bytes(h)), want, `${c.name} split at ${split}`);
      a.free(h);
    }
  }
  assertEquals(a.liveChunks, 0);
});

Deno.test("a refused batch appends nothing and names the offending entry", () => {
  const a = createChunkArena();
  const h1 = a.open(), h2 = a.open();
  a.appendBatch(Uint32Array.of(h1), Uint32Array.of(1), Float64Array.of(1000), Float64Array.of(1));
  const before = a.copyBytes(h1);
  const e = assertThrows(
    () =>
      a.appendBatch(
        Uint32Array.of(h1, 999),
        Uint32Array.of(1, 1),
        Float64Array.of(2000, 5),
        Float64Array.of(2, 3),
      ),
    ChunkAppendError,
  );
  assertEquals((e as ChunkAppendError).seriesIndex, 1);
  const e2 = assertThrows(
    () =>
      a.appendBatch(
        Uint32Array.of(h1, h2),
        Uint32Array.of(1, 1),
        Float64Array.of(2000, 2.5),
        Float64Array.of(2, 3),
      ),
    ChunkAppendError,
    "timestamp is not an integer",
  );
  assertEquals((e2 as ChunkAppendError).seriesIndex, 1);
  assertThrows(
    () =>
      a.appendBatch(
        Uint32Array.of(h2),
        Uint32Array.of(1),
        Float64Array.of(2 ** 53 + 2),
        Float64Array.of(1),
      ),
    ChunkAppendError,
  );
  assertThrows(
    () =>
      a.appendBatch(
        Uint32Array.of(h2),
        Uint32Array.of(1),
        Float64Array.of(NaN),
        Float64Array.of(1),
      ),
    ChunkAppendError,
  );
  assertEquals(Array.from(a.copyBytes(h1)), Array.from(before));
  assertEquals(a.info(h2).samples, 0);
  const big = new Float64Array(65536).map((_, i) => i);
  assertThrows(
    () => a.appendBatch(Uint32Array.of(h2), Uint32Array.of(big.length), big, big),
    ChunkAppendError,
    "exceed 65535",
  );
  // The limit holds per chunk across entries that name the same chunk, still all-or-nothing.
  const e3 = assertThrows(
    () =>
      a.appendBatch(
        Uint32Array.of(h1, h2, h2),
        Uint32Array.of(1, 40000, 30000),
        big.subarray(0, 70001),
        big.subarray(0, 70001),
      ),
    ChunkAppendError,
    "exceed 65535",
  );
  assertEquals((e3 as ChunkAppendError).seriesIndex, 2);
  assertEquals(Array.from(a.copyBytes(h1)), Array.from(before));
  assertEquals(a.info(h2).samples, 0);
  assertEquals(
    a.appendBatch(Uint32Array.of(h2), Uint32Array.of(65535), big.subarray(1), big.subarray(1)),
    65535,
  );
  assertEquals(a.info(h2).samples, 65535);
  assertEquals(f64Bits(a.decode(h2).v), f64Bits(big.subarray(1)));
});

Deno.test("decodeBytes() rejects truncated and corrupt chunks with ChunkDecodeError", () => {
  const c = randomCase(3, 120);
  const bytes = refEncode(c.t, c.v);
  for (const cut of [0, 1, 2, 5, 11, bytes.length - 1]) {
    assertThrows(() => decodeXorChunk(bytes.subarray(0, cut)), ChunkDecodeError);
  }
  // A header claiming more samples than the stream holds.
  const more = bytes.slice();
  more[1] += 5;
  assertThrows(() => decodeXorChunk(more), ChunkDecodeError);
  // An overlong varint for the first timestamp.
  assertThrows(
    () => decodeXorChunk(Uint8Array.of(0, 1, ...Array(11).fill(0xff))),
    ChunkDecodeError,
  );
  const a = createChunkArena();
  assertThrows(() => a.openFrom(more), ChunkDecodeError);
  assertEquals(a.liveChunks, 0);
});

Deno.test("freed chunks are reused: churn does not grow memory", () => {
  const a = createChunkArena();
  const r = rng(11);
  const t = new Float64Array(120).map((_, i) => 1e12 + i * 15000);
  const v = new Float64Array(120).map(() => r() * 100);
  const open = new Set<number>();
  let highWater = 0;
  a.stageBatch(2000, 2000 * 5); // size the scratch area for the largest batch up front
  for (let round = 0; round < 150; round++) {
    while (open.size < 2000) {
      const h = a.open();
      assert(!open.has(h), "BUG: handle handed out twice");
      open.add(h);
    }
    const hs = Uint32Array.from(open);
    const k = 1 + Math.floor(r() * 5);
    const ts = new Float64Array(hs.length * k), vs = new Float64Array(hs.length * k);
    // Append k more samples to each open chunk; close chunks that reach 120 samples.
    const counts = new Uint32Array(hs.length);
    const outT = new Float64Array(hs.length), outN = new Uint32Array(hs.length);
    a.lastTimestamps(hs, outT, outN);
    let m = 0;
    hs.forEach((_, i) => {
      counts[i] = Math.min(k, 120 - outN[i]);
      for (let j = 0; j < counts[i]; j++, m++) (ts[m] = t[outN[i] + j], vs[m] = v[outN[i] + j]);
    });
    a.appendBatch(hs, counts, ts.subarray(0, m), vs.subarray(0, m));
    hs.forEach((h, i) => {
      if (outN[i] + counts[i] >= 120 || r() < 0.02) (a.free(h), open.delete(h));
    });
    // Chunks first reach 120 samples around round 40; from then on closes and opens balance.
    if (round === 75) highWater = a.memory().highWaterBytes;
  }
  assertEquals(a.liveChunks, open.size);
  const mem = a.memory();
  assert(
    mem.highWaterBytes <= highWater * 1.05,
    `high water grew ${highWater} -> ${mem.highWaterBytes}`,
  );
  // 2000 open chunks of <=120 samples: well under 1 KiB each including the handle table.
  assert(mem.inUseBytes / 2000 < 1024, `in use ${mem.inUseBytes}`);
});

Deno.test("views are refreshed after WASM memory grows", () => {
  const a = createChunkArena();
  const h = a.open();
  const n = 60000;
  const t = new Float64Array(n).map((_, i) => i * 1000 + (i % 3));
  const v = new Float64Array(n).map((_, i) => Math.sin(i));
  a.appendBatch(Uint32Array.of(h), Uint32Array.of(n), t, v);
  const before = a.memory().memoryBytes;
  const others = Array.from({ length: 3000 }, () => a.open());
  a.appendBatch(
    Uint32Array.from(others),
    new Uint32Array(others.length).fill(100),
    new Float64Array(others.length * 100).map((_, i) => i % 100),
    new Float64Array(others.length * 100).map((_, i) => i * 1.5),
  );
  assert(a.memory().memoryBytes > before, "memory should have grown");
  const d = a.decode(h);
  assertEquals(d.n, n);
  assertEquals(Array.from(d.t), Array.from(t));
  assertEquals(f64Bits(d.v), f64Bits(v));
});

Deno.test("bytesMany() and freeMany() handle many chunks in one call", () => {
  const a = createChunkArena();
  const cases = allCases().slice(0, 40);
  const hs = Uint32Array.from(cases, () => a.open());
  cases.forEach((c, i) =>
    a.appendBatch(hs.subarray(i, i + 1), Uint32Array.of(c.t.length), c.t, c.v)
  );
  const { data, offsets } = a.bytesMany(hs);
  cases.forEach((c, i) => {
    assertEquals(
      Array.from(data.subarray(offsets[i], offsets[i + 1])),
      Array.from(refEncode(c.t, c.v)),
      c.name,
    );
  });
  assertThrows(() => a.freeMany(Uint32Array.of(hs[0], 12345)), RangeError);
  assertEquals(a.liveChunks, cases.length);
  a.freeMany(hs);
  assertEquals(a.liveChunks, 0);
  assertEquals(a.memory().inUseBytes > 0, true); // the handle table and scratch areas remain
});

Deno.test("decoding corrupted chunks never traps: it decodes or throws ChunkDecodeError", () => {
  const a = createChunkArena();
  const r = rng(99);
  let decoded = 0, rejected = 0;
  for (let round = 0; round < 3000; round++) {
    const c = randomCase(round % 60 + 1, 1 + (round % 130));
    const bytes = refEncode(c.t, c.v).slice();
    const flips = 1 + Math.floor(r() * 4);
    for (let f = 0; f < flips; f++) {
      bytes[Math.floor(r() * bytes.length)] ^= 1 << Math.floor(r() * 8);
    }
    const cut = r() < 0.3 ? bytes.subarray(0, Math.floor(r() * bytes.length)) : bytes;
    try {
      a.decodeBytes(cut);
      const h = a.openFrom(cut);
      a.appendBatch(
        Uint32Array.of(h),
        Uint32Array.of(1),
        Float64Array.of(1e12),
        Float64Array.of(1),
      );
      a.free(h);
      decoded++;
    } catch (e) {
      assert(e instanceof ChunkDecodeError, `unexpected ${e}`);
      rejected++;
    }
  }
  assert(decoded > 100 && rejected > 100, `decoded ${decoded}, rejected ${rejected}`);
  assertEquals(a.liveChunks, 0);
});

Deno.test("chunks from a re-opened Prometheus appender (0/0 XOR window) decode and continue", () => {
  const a = createChunkArena();
  const t = Float64Array.of(1000, 2000, 3000, 4000, 5000, 6000);
  const v = Float64Array.of(5, 5, 5, 7.25, 7.5, -1);
  for (let reopenAt = 1; reopenAt < t.length; reopenAt++) {
    const quirky = refEncode(t, v, "v3", reopenAt);
    if (reopenAt <= 3) {
      // The first changed value then costs 64 bits instead of a new window.
      assert(quirky.length > refEncode(t, v).length, `reopenAt ${reopenAt}`);
    }
    const d = decodeXorChunk(quirky);
    assertEquals(Array.from(d.t), Array.from(t));
    assertEquals(f64Bits(d.v), f64Bits(v));
    // Continuing such a chunk keeps its 0/0 window, as Prometheus's appender would.
    const h = a.openFrom(
      refEncode(t.subarray(0, 4), v.subarray(0, 4), "v3", Math.min(reopenAt, 3)),
    );
    a.appendBatch(Uint32Array.of(h), Uint32Array.of(2), t.subarray(4), v.subarray(4));
    assertEquals(Array.from(a.bytes(h)), Array.from(refEncode(t, v, "v3", Math.min(reopenAt, 3))));
    a.free(h);
  }
});

Deno.test("decodeMany() decodes several chunks in one call and clips to [minT, maxT]", () => {
  const a = createChunkArena();
  const parts = [randomCase(6, 120), randomCase(12, 50), cols([], [], "empty"), randomCase(18, 1)];
  const chunks = parts.map((c) => refEncode(c.t, c.v, "v2"));
  const allT = parts.flatMap((c) => Array.from(c.t)), allV = parts.flatMap((c) => Array.from(c.v));
  const d = a.decodeMany(chunks);
  assertEquals(Array.from(d.t), allT);
  assertEquals(f64Bits(d.v), f64Bits(allV));
  const lo = allT[30], hi = allT[150];
  const keep = allT.map((t) => t >= lo && t <= hi);
  const c = a.decodeMany(chunks, lo, hi);
  assertEquals(Array.from(c.t), allT.filter((_, i) => keep[i]));
  assertEquals(f64Bits(c.v), f64Bits(allV.filter((_, i) => keep[i])));
  assertEquals(a.decodeMany([]).n, 0);
  assertThrows(() => a.decodeMany([chunks[0], chunks[1].subarray(0, 9)]), ChunkDecodeError);
});
