import { assert, assertEquals } from "../../tests/assert.ts";
import { rng } from "../../tests/rng.ts";
import { labelsFromRecord } from "../model/labels.ts";
import { ByteWriter } from "./byte_buffer.ts";
import { CheckpointEncoder } from "./checkpoint.ts";
import { type ChunkArena, WasmChunkArena } from "./chunk_arena.ts";
import { Head } from "./head.ts";
import { Batch } from "./wal.ts";

/** The arena's methods but bytesManyView, so the encoder fetches chunk bytes one by one. */
function oneByOne(a: ChunkArena): ChunkArena {
  return {
    alloc: (b) => a.alloc(b),
    free: (s) => a.free(s),
    appendMany: (...args) => a.appendMany(...args),
    bytes: (s) => a.bytes(s),
    bytesView: (s) => a.bytesView!(s),
    count: (s) => a.count(s),
    memoryBytes: () => a.memoryBytes(),
  };
}

/** All pieces of a checkpoint of `head`, each started in an empty writer (as its caller does). */
function pieces(head: Head, budget: number, unrecorded: number[]): Uint8Array {
  const enc = new CheckpointEncoder(head), w = new ByteWriter(16), out = new ByteWriter(16);
  enc.begin(w);
  for (let seq = 1;; seq++) {
    const done = enc.piece(w, seq, budget, unrecorded);
    out.raw(w.view());
    w.reset();
    if (done) return out.copy();
    assert(seq < 100_000, "BUG: pieces do not end");
  }
}

Deno.test("checkpoint pieces hold the same bytes with open chunks gathered in groups or one by one", () => {
  const r = rng(11);
  const head = new Head(new WasmChunkArena(), {
    partitionMs: 7_200_000,
    oooWindowMs: 600_000,
    exemplarsMax: 0,
  });
  const N = 700;
  for (let sid = 1; sid <= N; sid++) {
    head.addSeries(sid, labelsFromRecord({ __name__: "m", i: `${sid}` }));
  }
  const t0 = 1_700_000_000_000;
  for (let round = 0; round < 40; round++) {
    const b = new Batch();
    for (let sid = 1; sid <= N; sid++) {
      // Some series never get a sample (no open chunk); some get many (chunks past 64 bytes).
      if (sid % 7 === 0 || (sid % 3 === 0 && round > 3)) continue;
      b.beginEntry(sid);
      b.push(t0 + round * 15_000, r() < 0.5 ? round : r() * 1e6);
    }
    head.applyBatch(b);
  }
  head.removeSeriesMany([5, 6, 64, 65, 66, 300]);
  const unrecorded = [2, 70, 71, 699];
  let total = 0;
  for (const budget of [40, 1000, 30_000, 1 << 20]) {
    const grouped = pieces(head, budget, unrecorded);
    const arena = head.arena;
    (head as { arena: ChunkArena }).arena = oneByOne(arena);
    const single = pieces(head, budget, unrecorded);
    (head as { arena: ChunkArena }).arena = arena;
    assertEquals(grouped.length, single.length, `budget ${budget}`);
    assert(grouped.every((x, i) => x === single[i]), `budget ${budget}: bytes differ`);
    total += grouped.length;
  }
  assert(total > 4 * N * 30, "the pieces hold every series and its chunk");
});
