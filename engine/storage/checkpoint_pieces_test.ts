import { assert, assertEquals } from "../../tests/assert.ts";
import { rng } from "../../tests/rng.ts";
import { labelsFromRecord } from "../model/labels.ts";
import { ByteWriter } from "./byte_buffer.ts";
import { CheckpointEncoder, decodeCheckpoint } from "./checkpoint.ts";
import { WasmChunkArena } from "./chunk_arena.ts";
import { Head } from "./head.ts";
import { Batch } from "./wal.ts";

const OPTS = { partitionMs: 7_200_000, oooWindowMs: 600_000, exemplarsMax: 0 };

/**
 * A whole checkpoint of `head` in pieces of `budget` bytes, each started in an empty writer (as
 * its caller does), then the trailer.
 */
function pieces(head: Head, budget: number, unrecorded: number[]): Uint8Array {
  const enc = new CheckpointEncoder(head), w = new ByteWriter(16), out = new ByteWriter(16);
  enc.begin(w);
  for (let seq = 1;; seq++) {
    const done = enc.piece(w, seq, budget, unrecorded);
    if (done) enc.trailer(w, seq);
    out.raw(w.view());
    w.reset();
    if (done) return out.copy();
    assert(seq < 100_000, "BUG: pieces do not end");
  }
}

/** A series' head state as `sid lastT lastV firstT chunk-bytes chunkMinT chunkMaxT`. */
function state(head: Head, sid: number): string {
  const chunk = head.chunkCount[sid] > 0 ? Array.from(head.arena.bytes(head.slot[sid])) : [];
  return [
    sid,
    head.lastT[sid],
    head.lastV[sid],
    head.firstT[sid],
    chunk.join(","),
    chunk.length > 0 ? head.chunkMinT[sid] : "",
    chunk.length > 0 ? head.chunkMaxT[sid] : "",
  ].join(" ");
}

Deno.test("checkpoint pieces, open chunks gathered 64 series at a time, restore every recorded series", () => {
  const r = rng(11);
  const head = new Head(new WasmChunkArena(), OPTS);
  const N = 700;
  const labelsOf = (sid: number) => labelsFromRecord({ __name__: "m", i: `${sid}` });
  for (let sid = 1; sid <= N; sid++) head.addSeries(sid, labelsOf(sid));
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
  const removed = [5, 6, 64, 65, 66, 300];
  head.removeSeriesMany(removed);
  const unrecorded = [2, 70, 71, 699];
  // Budgets that end pieces inside a group of 64, at one series per piece, and never.
  for (const budget of [40, 1000, 30_000, 1 << 20]) {
    const bytes = pieces(head, budget, unrecorded);
    const fresh = new Head(new WasmChunkArena(), OPTS);
    for (let sid = 1; sid <= N; sid++) {
      if (!removed.includes(sid)) fresh.addSeries(sid, labelsOf(sid));
    }
    decodeCheckpoint(bytes, fresh);
    let withChunk = 0;
    for (let sid = 1; sid <= N; sid++) {
      if (removed.includes(sid)) continue;
      if (unrecorded.includes(sid)) {
        assertEquals(fresh.chunkCount[sid], 0, `budget ${budget}: unrecorded ${sid} is left out`);
        continue;
      }
      assertEquals(state(fresh, sid), state(head, sid), `budget ${budget}`);
      if (head.chunkCount[sid] > 0) withChunk++;
    }
    assert(withChunk > 500, `${withChunk} series with an open chunk`);
  }
});
