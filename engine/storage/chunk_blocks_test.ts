import { assert, assertEquals, assertRejects, assertThrows } from "../../tests/assert.ts";
import { CorruptValueError } from "./byte_buffer.ts";
import {
  blockKeyRanges,
  type ChunkToPack,
  forEachChunkInBlock,
  loadChunkLists,
  packChunkBlocks,
  storedChunks,
} from "./chunk_blocks.ts";
import { chunkBlockKey } from "./keys.ts";
import { CHUNK_BLOCK_BYTES_MAX, CHUNK_BLOCK_SID_SPAN } from "./limits.ts";
import { Tsdb } from "./tsdb.ts";
import { request, series } from "./test_util.ts";
import { Matcher } from "../model/matcher.ts";
import { rng } from "../../tests/rng.ts";

const T0 = 1_700_000_000_000;

function chunk(sid: number, minT: number, len: number, kind = 0, partition = 5): ChunkToPack {
  const bytes = new Uint8Array(len);
  for (let i = 0; i < len; i++) bytes[i] = (sid * 31 + minT + i) & 255;
  return { sid, partition, minT, maxT: minT + 1000 * len, kind, bytes };
}

function unpack(block: Uint8Array): ChunkToPack[] {
  const out: ChunkToPack[] = [];
  forEachChunkInBlock(block, (sid, minT, maxT, kind, bytes) => {
    out.push({ sid, partition: -1, minT, maxT, kind, bytes: bytes.slice() });
  });
  return out;
}

Deno.test("packChunkBlocks() round-trips every chunk, sorted by series, minT and kind", () => {
  const r = rng(7);
  const chunks: ChunkToPack[] = [];
  for (let i = 0; i < 500; i++) {
    chunks.push(
      chunk(
        1 + Math.floor(r() * 2000),
        T0 + Math.floor(r() * 1e6),
        1 + Math.floor(r() * 400),
        Math.floor(r() * 3),
      ),
    );
  }
  const blocks = packChunkBlocks(chunks);
  const got: ChunkToPack[] = [];
  for (const b of blocks) {
    assert(b.bytes.length <= CHUNK_BLOCK_BYTES_MAX, `block of ${b.bytes.length} B`);
    const list = unpack(b.bytes);
    assertEquals(list.length, b.chunks);
    assertEquals(list[0].sid, b.sidLo);
    for (const c of list) {
      assert(c.sid - b.sidLo < CHUNK_BLOCK_SID_SPAN, `sid ${c.sid} outside block ${b.sidLo}`);
      got.push({ ...c, partition: b.partition });
    }
  }
  const want = [...chunks].sort((a, b) => a.sid - b.sid || a.minT - b.minT || a.kind - b.kind);
  assertEquals(got, want);
  // Deterministic: the same chunks give the same keys and bytes.
  assertEquals(packChunkBlocks([...chunks].reverse()), blocks);
});

Deno.test("packChunkBlocks() cuts at partitions, at the byte limit, and lets a huge chunk alone", () => {
  const big = chunk(10, T0, CHUNK_BLOCK_BYTES_MAX + 10);
  const blocks = packChunkBlocks([
    chunk(1, T0, 100, 0, 1),
    chunk(2, T0, 100, 0, 2),
    big,
    ...Array.from({ length: 200 }, (_, i) => chunk(20, T0 + i * 1000, 1000)),
  ]);
  assertEquals(blocks.map((b) => b.partition).slice(0, 3), [1, 2, 5]);
  assertEquals(blocks[2].chunks, 1); // the oversized chunk
  for (const b of blocks.slice(3)) assert(b.bytes.length <= CHUNK_BLOCK_BYTES_MAX);
  assertEquals(blocks.slice(3).reduce((n, b) => n + b.chunks, 0), 200);
  assert(blocks.length >= 3 + 4, `only ${blocks.length} blocks`);
});

Deno.test("forEachChunkInBlock() rejects a truncated block and an unknown version", () => {
  const [b] = packChunkBlocks([chunk(1, T0, 50), chunk(2, T0, 50)]);
  assertThrows(() => unpack(b.bytes.subarray(0, b.bytes.length - 1)), CorruptValueError);
  const v = b.bytes.slice();
  v[0] = 99;
  assertThrows(() => unpack(v), CorruptValueError, "version 99");
});

Deno.test("blockKeyRanges() covers SPAN ids below each series and merges overlaps", () => {
  const S = CHUNK_BLOCK_SID_SPAN;
  assertEquals(blockKeyRanges([1]), [[0, 1]]);
  assertEquals(blockKeyRanges([S * 4, S * 4 + 10]), [[S * 3 + 1, S * 4 + 10]]);
  assertEquals(blockKeyRanges([S * 4, S * 8]), [[S * 3 + 1, S * 4], [S * 7 + 1, S * 8]]);
  const many = Array.from({ length: 40 }, (_, i) => (i + 1) * S * 2);
  assertEquals(blockKeyRanges(many), [[S + 1, 80 * S]]);
});

Deno.test("loadChunkLists() finds a series' chunks across blocks, in minT order", async () => {
  using kv = await Deno.openKv(":memory:");
  const S = CHUNK_BLOCK_SID_SPAN;
  // Three flushes: blocks starting below, at and (for other series) above the series.
  const flushes = [
    [chunk(S + 5, T0 + 2000, 30), chunk(2 * S, T0 + 2000, 30)],
    [chunk(2 * S, T0, 30), chunk(3 * S, T0, 30)],
    [chunk(2 * S, T0 + 1000, 30, 1), chunk(2 * S + 1, T0, 30)],
  ];
  for (const f of flushes) {
    for (const b of packChunkBlocks(f)) {
      await kv.set(chunkBlockKey("w", b.partition, b.sidLo, b.id), b.bytes);
    }
  }
  const lists = await loadChunkLists(kv, "w", 5, [2 * S, 3 * S]);
  assertEquals([...lists.keys()].sort(), [2 * S, 3 * S]);
  const mine = lists.get(2 * S)!;
  assertEquals(mine.map((t) => t[0]), [0, 1, 0]); // kinds in minT order: T0, T0+1000, T0+2000
  assertEquals(mine[0].subarray(1), chunk(2 * S, T0, 30).bytes);
  assertEquals((await loadChunkLists(kv, "w", 5, [4 * S])).size, 0);
  assertEquals((await loadChunkLists(kv, "w", 6, [2 * S])).size, 0);
  let n = 0;
  for await (const _ of storedChunks(kv, "w")) n++;
  assertEquals(n, 6);
});

Deno.test("reads of many series flushed in scattered order equal what was written", async () => {
  using kv = await Deno.openKv(":memory:");
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const N = 700, R = 130;
  const order = Array.from({ length: N }, (_, i) => i);
  const r = rng(3);
  for (let round = 0; round < R; round++) {
    // Shuffled per round, like sharded remote-write queues; a few series skip rounds.
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const reqs = [];
    for (const i of order) {
      if ((i + round) % 17 === 0) continue;
      reqs.push(series({ __name__: "m", i: String(i) }, [[T0 + round * 15_000, i * 1000 + round]]));
    }
    for (let k = 0; k < reqs.length; k += 100) await ws.append(request(...reqs.slice(k, k + 100)));
  }
  await ws.flush();
  let chunks = 0, blocks = 0;
  const keys = new Set<string>();
  for await (const c of storedChunks(kv, "w")) {
    chunks++;
    keys.add(String(c.blockKey));
  }
  blocks = keys.size;
  assert(chunks >= N, `only ${chunks} chunks in KV`);
  assert(blocks * 4 < chunks, `${blocks} blocks for ${chunks} chunks`);
  const expect = (i: number) => {
    const t: number[] = [];
    for (let round = 0; round < R; round++) if ((i + round) % 17 !== 0) t.push(round);
    return t;
  };
  // Fresh instance: nothing cached, every KV chunk list read from blocks.
  await db.close();
  const db2 = await Tsdb.open(kv);
  const ws2 = await db2.workspace("w");
  const all = await ws2.querier().select([], { minT: -Infinity, maxT: Infinity });
  assertEquals(all.length, N);
  for (const s of all) {
    const i = Number(s.labels.find((l) => l.name === "i")!.value);
    const rounds = expect(i);
    assertEquals(Array.from(s.t), rounds.map((x) => T0 + x * 15_000));
    assertEquals(Array.from(s.v), rounds.map((x) => i * 1000 + x));
  }
  await db2.close();
  // One series at a time (each read lists only the blocks that can hold it).
  const db3 = await Tsdb.open(kv);
  const q = (await db3.workspace("w")).querier();
  for (const i of [0, 1, 255, 256, 511, 699]) {
    const [s] = await q.select([new Matcher("=", "i", String(i))], { minT: 0, maxT: 2 * T0 });
    assertEquals(Array.from(s.v), expect(i).map((x) => i * 1000 + x));
  }
  await db3.close();
});

Deno.test("a flush that dies between block commits is completed by recovery, no chunk twice", async () => {
  using real = await Deno.openKv(":memory:");
  let chunkCommits = 0, dead = false;
  const kv = new Proxy(real, {
    get(target, prop) {
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const set = op.set.bind(op), commit = op.commit.bind(op);
          let chunks = false;
          op.set = (key: Deno.KvKey, value: unknown) => {
            if (key[3] === "c") chunks = true;
            return set(key, value);
          };
          op.commit = () => {
            // The process "dies" at its second chunk-block commit: nothing is written after.
            if (chunks && ++chunkCommits === 2) dead = true;
            return dead ? Promise.reject(new Error("injected crash")) : commit();
          };
          return op;
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  }) as Deno.Kv;
  const N = 1000, S = 121;
  const r = rng(11);
  const values = Array.from({ length: N }, () => Array.from({ length: S }, () => r() * 1e9));
  const all = Array.from(
    { length: N },
    (_, i) =>
      series({ __name__: "m", i: String(i) }, values[i].map((v, k) => [T0 + k * 15_000, v])),
  );
  const db = await Tsdb.open(kv);
  const ws = await db.workspace("w");
  const error = console.error;
  console.error = () => {}; // the dying flusher reports its failure
  try {
    await ws.append(request(...all)); // 1000 closed chunks of ~1.1 KB: a flush of 2 commits
    await assertRejects(() => ws.flush(), Error, "injected crash");
  } finally {
    console.error = error;
  }
  assertEquals(chunkCommits, 2);
  let before = 0;
  for await (const _ of storedChunks(real, "w")) before++;
  assert(before > 0 && before < N, `${before} chunks stored before the crash`);
  // Restart on the same KV: the WAL replay closes the same chunks and the flusher writes them.
  const db2 = await Tsdb.open(real);
  const ws2 = await db2.workspace("w");
  await ws2.flush();
  const seen = new Set<string>();
  for await (const c of storedChunks(real, "w")) {
    const k = `${c.sid}:${c.minT}`;
    assert(!seen.has(k), `chunk ${k} stored twice`);
    seen.add(k);
  }
  assertEquals(seen.size, N);
  const got = await ws2.querier().select([], { minT: 0, maxT: 2 * T0 });
  assertEquals(got.length, N);
  for (const s of got) {
    const i = Number(s.labels.find((l) => l.name === "i")!.value);
    assertEquals(Array.from(s.v), values[i]);
  }
  await db2.close();
});
