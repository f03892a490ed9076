/**
 * Chunk codec throughput: batched append (1000 chunks x 120 samples in one call), whole-chunk
 * decode, and re-open. Samples per iteration: 120,000 (divide to get ns/sample).
 * Run: ./deno bench -A wasm/codec_bench.ts
 */
import { createChunkArena, decodeXorChunk } from "./mod.ts";
import { refEncode } from "./xor_ref.ts";

const CHUNKS = 1000;
const PER_CHUNK = 120;
const N = CHUNKS * PER_CHUNK;

/** Scrape-like data: 15 s interval with ms jitter; half gauges (2 decimals), half counters. */
function data(): { t: Float64Array; v: Float64Array } {
  let seed = 42;
  const r = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const t = new Float64Array(N), v = new Float64Array(N);
  for (let c = 0; c < CHUNKS; c++) {
    let ts = 1_700_000_000_000 + c * 7, val = Math.floor(r() * 1000);
    for (let i = 0; i < PER_CHUNK; i++) {
      const k = c * PER_CHUNK + i;
      ts += 15000 + (r() < 0.2 ? Math.floor(r() * 20) - 10 : 0);
      if (c % 2 === 0) val = Math.round((val + (r() - 0.5) * 10) * 100) / 100;
      else val += Math.floor(r() * 100);
      t[k] = ts;
      v[k] = val;
    }
  }
  return { t, v };
}

const { t, v } = data();
const counts = new Uint32Array(CHUNKS).fill(PER_CHUNK);
const arena = createChunkArena();
const handles = new Uint32Array(CHUNKS);

function encodeAll(): number {
  for (let i = 0; i < CHUNKS; i++) handles[i] = arena.open();
  const n = arena.appendBatch(handles, counts, t, v);
  let bytes = 0;
  for (let i = 0; i < CHUNKS; i++) bytes += arena.info(handles[i]).bytes;
  for (let i = 0; i < CHUNKS; i++) arena.free(handles[i]);
  if (n !== N) throw new Error("BUG: short append");
  return bytes;
}

const chunkBytes: Uint8Array[] = [];
{
  for (let i = 0; i < CHUNKS; i++) handles[i] = arena.open();
  arena.appendBatch(handles, counts, t, v);
  let total = 0;
  for (let i = 0; i < CHUNKS; i++) {
    chunkBytes.push(arena.copyBytes(handles[i]));
    total += chunkBytes[i].length;
    arena.free(handles[i]);
  }
  console.log(`encoded ${N} samples into ${total} bytes: ${(total / N).toFixed(3)} bytes/sample`);
}

/**
 * Memory of 100k open chunks filled in step (one sample per chunk per batch, as when every series
 * is scraped at the same interval), half gauges and half counters.
 */
function arenaMemory(): void {
  const S = 100_000;
  const a = createChunkArena();
  const hs = new Uint32Array(S).map(() => a.open());
  const ones = new Uint32Array(S).fill(1);
  const tt = new Float64Array(S), vv = new Float64Array(S), last = new Float64Array(S);
  let seed = 7;
  const r = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  let bytes = 0, best = Infinity;
  for (let s = 0; s < 120; s++) {
    for (let i = 0; i < S; i++) {
      tt[i] = 1_700_000_000_000 + s * 15000 + (r() < 0.1 ? 3 : 0);
      vv[i] = i % 2 ? (last[i] += Math.floor(r() * 50)) : Math.round(r() * 10000) / 100;
    }
    const t0 = performance.now();
    a.appendBatch(hs, ones, tt, vv);
    best = Math.min(best, performance.now() - t0);
  }
  for (let i = 0; i < S; i++) bytes += a.info(hs[i]).bytes;
  const m = a.memory();
  console.log(
    `100k open chunks x 120 samples (${(bytes / S).toFixed(0)} B/chunk encoded): WASM memory ` +
      `${(m.memoryBytes / S).toFixed(0)} B/chunk, in use ${
        (m.inUseBytes / S).toFixed(0)
      } B/chunk; ` +
      `best batch of 100k samples (1 per chunk): ${(best * 1e6 / S).toFixed(1)} ns/sample`,
  );
}
arenaMemory();

Deno.bench({
  name: "wasm append: 1000 chunks x 120 samples, one batch call",
  group: "encode",
  baseline: true,
  fn: () => void encodeAll(),
});

Deno.bench({
  name: "wasm append: 1000 chunks, 120 batch calls of 1 sample each",
  group: "encode",
  fn: () => {
    for (let i = 0; i < CHUNKS; i++) handles[i] = arena.open();
    const one = new Uint32Array(CHUNKS).fill(1);
    const tt = new Float64Array(CHUNKS), vv = new Float64Array(CHUNKS);
    for (let s = 0; s < PER_CHUNK; s++) {
      for (let c = 0; c < CHUNKS; c++) (tt[c] = t[c * PER_CHUNK + s], vv[c] = v[c * PER_CHUNK + s]);
      arena.appendBatch(handles, one, tt, vv);
    }
    for (let i = 0; i < CHUNKS; i++) arena.free(handles[i]);
  },
});

Deno.bench({
  name: "TS reference encoder (BigInt oracle), 1000 chunks x 120",
  group: "encode",
  n: 3,
  fn: () => {
    for (let c = 0; c < CHUNKS; c++) {
      const a = c * PER_CHUNK;
      refEncode(t.subarray(a, a + PER_CHUNK), v.subarray(a, a + PER_CHUNK));
    }
  },
});

Deno.bench({
  name: "wasm decodeBytes (views): 1000 chunks x 120 samples",
  group: "decode",
  baseline: true,
  fn: () => {
    let s = 0;
    for (let c = 0; c < CHUNKS; c++) s += arena.decodeBytes(chunkBytes[c]).n;
    if (s !== N) throw new Error("BUG: short decode");
  },
});

Deno.bench({
  name: "decodeXorChunk (copies): 1000 chunks x 120 samples",
  group: "decode",
  fn: () => {
    for (let c = 0; c < CHUNKS; c++) decodeXorChunk(chunkBytes[c]);
  },
});

Deno.bench({
  name: "wasm openFrom + free: 1000 chunks x 120 samples",
  group: "reopen",
  fn: () => {
    for (let c = 0; c < CHUNKS; c++) arena.free(arena.openFrom(chunkBytes[c]));
  },
});
