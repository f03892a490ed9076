/**
 * Checkpoint writing and recovery of a workspace's head (layouts in docs/format_kv.md).
 */
import type { Labels } from "../model/labels.ts";
import type { MetricMetadata } from "../model/write.ts";
import { ByteWriter } from "./byte_buffer.ts";
import {
  CheckpointCover,
  CheckpointEncoder,
  checkpointSids,
  decodeCheckpoint,
} from "./checkpoint.ts";
import {
  checkpointHeadKey,
  checkpointKey,
  checkpointPrefix,
  metadataPrefix,
  walKey,
  walPrefix,
} from "./keys.ts";
import { deleteKnown, deleteRange } from "./kv_delete.ts";
import { WAL_SEGMENT_BYTES_MAX, WAL_SEGMENTS_PER_ATOMIC_MAX } from "./limits.ts";
import { forEachStoredSeries, writeSeriesRecords } from "./series_blocks.ts";
import { Batch, decodeBatch, decodeLabels, joinSegments, segmentCount } from "./wal.ts";
import type { Workspace } from "./workspace.ts";

/** Where a workspace's WAL and checkpoints stand. */
export class LogState {
  /** Next WAL sequence number to use (never reused). */
  nextSeq = 1;
  /** Newest WAL record applied to the head. */
  appliedSeq = 0;
  /** WAL bytes written since the last checkpoint. */
  walBytes = 0;
  /** WAL records up to this sequence are covered by the current checkpoint. */
  ckptSeq = 0;
  /** Generation of the current checkpoint. */
  ckptGen = 0;
  /** Series ids below this have series records in KV. */
  ckptSids = 1;
  /** Size of the last checkpoint, bytes. */
  ckptBytes = 0;
  /** Segments of the current checkpoint (deleted by key when the next one replaces it). */
  ckptSegs = 0;
  // WAL records not deleted yet, oldest first: sequence and segment count. A checkpoint deletes
  // them by key: listing the WAL to delete it read every value (~32 MiB per checkpoint), which
  // stayed in memory as garbage until the next full GC.
  #seqs = new Float64Array(256);
  #segs = new Uint32Array(256);
  #first = 0;
  #end = 0;

  /** Notes WAL record `seq` (`segments` values, `bytes` payload bytes) before it is committed. */
  walRecord(seq: number, segments: number, bytes: number): void {
    this.walBytes += bytes;
    if (this.#end === this.#seqs.length) {
      const live = this.#end - this.#first;
      const cap = Math.max(256, live * 2);
      const seqs = new Float64Array(cap), segs = new Uint32Array(cap);
      seqs.set(this.#seqs.subarray(this.#first, this.#end));
      segs.set(this.#segs.subarray(this.#first, this.#end));
      this.#seqs = seqs;
      this.#segs = segs;
      this.#first = 0;
      this.#end = live;
    }
    this.#seqs[this.#end] = seq;
    this.#segs[this.#end++] = segments;
  }

  /** Keys of every noted WAL segment with sequence `<= seq`, which are forgotten. */
  takeWalKeys(ws: string, seq: number): Deno.KvKey[] {
    const keys: Deno.KvKey[] = [];
    while (this.#first < this.#end && this.#seqs[this.#first] <= seq) {
      const s = this.#seqs[this.#first], n = this.#segs[this.#first++];
      for (let i = 0; i < n; i++) keys.push(walKey(ws, s, i));
    }
    return keys;
  }
  /** Series whose records a running checkpoint is writing (cold eviction leaves them alone). */
  recording: readonly number[] = [];
}

/**
 * Writes a checkpoint of the workspace's head, then deletes the WAL records and the older
 * checkpoint it replaces: those up to the last applied record on entry (the base position). The
 * head is streamed in pieces while appends go on (see streamCheckpoint).
 */
export async function writeCheckpoint(ws: Workspace): Promise<void> {
  // The base position: every WAL record up to it is replaced (later ones stay for replay).
  const seq = ws.log.appliedSeq;
  const sidEnd = ws.head.nextSid;
  const unrecorded = ws.head.unrecorded.splice(0);
  ws.log.recording = unrecorded;
  // Two flat arrays, not a tuple per series: the first checkpoint after 100k new series would
  // hold 100k tuples (and 100k value buffers below) through its commits.
  const newSids: number[] = [], newLabels: Labels[] = [];
  for (const sid of unrecorded) {
    const l = ws.head.labels[sid];
    if (l !== undefined) {
      newSids.push(sid);
      newLabels.push(l);
    }
  }
  ws.log.walBytes = 0;
  const gen = ws.log.ckptGen + 1;
  try {
    // 1. Series records of series created since the last checkpoint, packed into blocks
    // (series_blocks.ts): ~60 KB values, not one KV entry per series.
    await writeSeriesRecords(ws, newSids, newLabels);
  } catch (e) {
    ws.head.unrecorded.push(...unrecorded); // the next checkpoint writes them
    throw e;
  } finally {
    ws.log.recording = [];
  }
  // 3. The checkpoint segments, streamed (see streamCheckpoint), then (2) the chunks closed
  // before its last piece, then the head pointer.
  const { segs, pendingMark } = await streamCheckpoint(ws, gen);
  await ws.flushChunksUntil(pendingMark);
  await ws.commitFenced(
    ws.fencedAtomic().set(checkpointHeadKey(ws.id), { gen, seq, sids: sidEnd, segs }),
  );
  ws.log.ckptGen = gen;
  ws.log.ckptSeq = seq;
  ws.log.ckptSids = sidEnd;
  const oldSegs = ws.log.ckptSegs;
  ws.log.ckptSegs = segs;
  // 4. Delete what the checkpoint replaces, by key (values are not read), then whatever a crash
  // left that nobody remembers.
  await deleteKnown(ws.kv, ws.log.takeWalKeys(ws.id, seq), {
    start: [...walPrefix(ws.id), 0],
    end: [...walPrefix(ws.id), seq + 1],
  });
  const oldKeys: Deno.KvKey[] = [];
  for (let i = 0; i < oldSegs; i++) oldKeys.push(checkpointKey(ws.id, gen - 1, i));
  await deleteKnown(ws.kv, oldKeys, {
    start: [...checkpointPrefix(ws.id), 0],
    end: [...checkpointPrefix(ws.id), gen],
  });
}

/** Checkpoint payload bytes per atomic commit: WAL_SEGMENTS_PER_ATOMIC_MAX whole segments. */
const CKPT_ATOMIC_BYTES = WAL_SEGMENTS_PER_ATOMIC_MAX * WAL_SEGMENT_BYTES_MAX;

/**
 * Writes checkpoint generation `gen` (version 3) as segments of its byte stream, one atomic of
 * WAL_SEGMENTS_PER_ATOMIC_MAX segments at a time, encoding each piece just before it is needed:
 * appends go on between the commits, and each piece records the WAL position it was encoded at.
 * Holds one atomic's worth of bytes (plus one series) instead of the whole checkpoint. Segment
 * values carry a count of 0: the head pointer's `segs` says how many make the checkpoint.
 * Returns that count and the head's pending-chunk mark after the last piece.
 */
async function streamCheckpoint(
  ws: Workspace,
  gen: number,
): Promise<{ segs: number; pendingMark: number }> {
  // Segments of this generation that a crashed attempt left would be read as part of it.
  await deleteKnown(ws.kv, [], { prefix: [...checkpointPrefix(ws.id), gen] });
  const head = ws.head, enc = new CheckpointEncoder(head);
  const w = new ByteWriter(CKPT_ATOMIC_BYTES + (1 << 16));
  const vals = new Uint8Array(WAL_SEGMENTS_PER_ATOMIC_MAX * (4 + WAL_SEGMENT_BYTES_MAX));
  let segs = 0, bytes = 0, done = false, pendingMark = 0;
  enc.begin(w);
  while (!done || w.length > 0) {
    // Synchronous from here to the commit: the pieces see the head at one WAL position.
    const at = ws.log.appliedSeq;
    while (!done && w.length < CKPT_ATOMIC_BYTES) {
      if (enc.piece(w, at, CKPT_ATOMIC_BYTES, head.unrecorded)) {
        enc.trailer(w, at);
        pendingMark = head.pendingTotal();
        done = true;
      }
    }
    // Whole segments, at most one atomic's worth; the tail waits for more pieces (or the end).
    const buf = w.view();
    const take = Math.min(
      CKPT_ATOMIC_BYTES,
      done ? buf.length : buf.length - buf.length % WAL_SEGMENT_BYTES_MAX,
    );
    const op = ws.fencedAtomic();
    let off = 0;
    for (let from = 0; from < take; from += WAL_SEGMENT_BYTES_MAX) {
      const part = buf.subarray(from, Math.min(take, from + WAL_SEGMENT_BYTES_MAX));
      // Values are views of one buffer (KV stores a view's bytes), reused after the commit.
      const v = vals.subarray(off, off + 4 + part.length);
      v.fill(0, 0, 4);
      v.set(part, 4);
      op.set(checkpointKey(ws.id, gen, segs++), v);
      off += 4 + part.length;
    }
    bytes += take;
    buf.copyWithin(0, take); // the view is the writer's own buffer: keep the tail in place
    w.length = buf.length - take;
    if (off > 0) await ws.commitFenced(op);
  }
  ws.log.ckptBytes = bytes;
  return { segs, pendingMark };
}

/**
 * Rebuilds the head from KV: the checkpoint (which names the hot series), their series records,
 * metadata, then WAL replay. Series records of other series belong to cold series (evicted to
 * KV) or to nothing; only ids with neither a record nor a hot series are reusable.
 */
export async function recoverWorkspace(ws: Workspace): Promise<void> {
  const h = ws.head;
  const ch = await ws.kv.get<{ gen: number; seq: number; sids: number; segs?: number }>(
    checkpointHeadKey(ws.id),
  );
  let ckpt: Uint8Array | undefined;
  let hot = new Set<number>();
  if (ch.value !== null) {
    // Version 3 names its segment count in the head pointer (segments past it are leftovers of
    // a crashed attempt); version 2 in every segment. The payload is copied into one buffer as
    // it is listed (pages past its end are never touched), not held twice.
    let want = ch.value.segs ?? -1, n = 0, len = 0;
    let buf = new Uint8Array(0);
    for await (
      const e of ws.kv.list<Uint8Array>({
        prefix: [...checkpointPrefix(ws.id), ch.value.gen],
      })
    ) {
      if (want < 0) want = segmentCount(e.value);
      if (e.key[5] !== n || n >= want) break;
      if (n === 0) buf = new Uint8Array(want * WAL_SEGMENT_BYTES_MAX);
      buf.set(e.value.subarray(4), len);
      len += e.value.length - 4;
      n++;
    }
    if (n === 0 || n !== want) {
      throw new Error(`BUG: checkpoint ${ch.value.gen} of workspace ${ws.id} is incomplete`);
    }
    ckpt = buf.subarray(0, len);
    ws.log.ckptSegs = n;
    hot = checkpointSids(ckpt).sids;
  }
  // Series records: hot series into the head; the rest only mark their ids as taken. An id can
  // be recorded twice (same labels): the first record wins.
  let recorded = new Uint8Array(1024);
  await forEachStoredSeries(ws.kv, ws.id, (sid, r) => {
    if (hot.has(sid)) {
      if (h.labels[sid] === undefined) h.addSeries(sid, decodeLabels(r));
    } else {
      while (sid >= recorded.length) {
        const grown = new Uint8Array(recorded.length * 2);
        grown.set(recorded);
        recorded = grown;
      }
      recorded[sid] = 1;
      if (sid >= h.nextSid) h.nextSid = sid + 1;
    }
  });
  hot.clear();
  // Metadata.
  for await (const e of ws.kv.list<MetricMetadata[]>({ prefix: metadataPrefix(ws.id) })) {
    h.metadata.set(e.key[4] as string, e.value);
  }
  let cover: CheckpointCover | undefined;
  if (ch.value !== null && ckpt !== undefined) {
    cover = decodeCheckpoint(ckpt, h);
    ws.log.ckptBytes = ckpt.length;
    ws.log.ckptGen = ch.value.gen;
    ws.log.ckptSeq = ch.value.seq;
    ws.log.ckptSids = ch.value.sids;
    if (h.nextSid < ch.value.sids) h.nextSid = ch.value.sids;
  }
  ws.log.nextSeq = ws.log.ckptSeq + 1;
  ws.log.appliedSeq = ws.log.ckptSeq;
  // WAL replay.
  h.replaying = true;
  let seq = -1;
  let segs: Uint8Array[] = [];
  const incomplete: number[] = [];
  const b = new Batch();
  const finish = () => {
    if (seq < 0) return;
    if (segs.length === segmentCount(segs[0])) {
      const rec = joinSegments(segs);
      decodeBatch(rec, b);
      cover?.filter(b, seq); // what the checkpoint's pieces already hold
      h.applyBatch(b);
      ws.log.walRecord(seq, segs.length, rec.length);
    } else incomplete.push(seq);
    if (seq >= ws.log.nextSeq) ws.log.nextSeq = seq + 1;
    ws.log.appliedSeq = ws.log.nextSeq - 1;
  };
  for await (
    const e of ws.kv.list<Uint8Array>({
      start: [...walPrefix(ws.id), ws.log.ckptSeq + 1],
      end: [...walPrefix(ws.id), Number.MAX_SAFE_INTEGER],
    })
  ) {
    const s = e.key[4] as number;
    if (s !== seq) {
      finish();
      seq = s;
      segs = [];
    }
    segs.push(e.value);
  }
  finish();
  for (const s of incomplete) await deleteRange(ws.kv, { prefix: [...walPrefix(ws.id), s] });
  h.replaying = false;
  // Ids below nextSid with neither a series nor a record were freed by retention (or never
  // committed): reusable.
  h.freeSids = [];
  for (let sid = h.nextSid - 1; sid >= 1; sid--) {
    if (h.labels[sid] === undefined && !(sid < recorded.length && recorded[sid] === 1)) {
      h.freeSids.push(sid);
    }
  }
  ws.recount();
}
