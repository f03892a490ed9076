/**
 * Checkpoint writing and recovery of a workspace's head (layouts in docs/format_kv.md).
 */
import type { Labels } from "../model/labels.ts";
import type { MetricMetadata } from "../model/write.ts";
import { checkpointSids, decodeCheckpoint, encodeCheckpoint } from "./checkpoint.ts";
import {
  checkpointHeadKey,
  checkpointKey,
  checkpointPrefix,
  metadataPrefix,
  walPrefix,
} from "./keys.ts";
import { deleteRange } from "./kv_delete.ts";
import { WAL_SEGMENTS_PER_ATOMIC_MAX } from "./limits.ts";
import { forEachStoredSeries, writeSeriesRecords } from "./series_blocks.ts";
import {
  Batch,
  decodeBatch,
  decodeLabels,
  joinSegments,
  recordSegment,
  recordSegments,
  segmentCount,
} from "./wal.ts";
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
  /** Series whose records a running checkpoint is writing (cold eviction leaves them alone). */
  recording: readonly number[] = [];
}

/**
 * Writes a checkpoint of the workspace's head at its last applied WAL record, then deletes the
 * WAL records and older checkpoints it replaces. The snapshot is taken synchronously on entry.
 */
export async function writeCheckpoint(ws: Workspace): Promise<void> {
  // Synchronous snapshot: consistent with every batch committed so far.
  const seq = ws.log.appliedSeq;
  const snapshot = encodeCheckpoint(ws.head);
  ws.log.ckptBytes = snapshot.length;
  const pendingMark = ws.head.pendingTotal();
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
  // 2. Closed chunks up to the snapshot must be durable.
  await ws.flushChunksUntil(pendingMark);
  // 3. The checkpoint segments, then the head pointer.
  // Segments are built per atomic: a second copy of a whole checkpoint (~300 bytes per series)
  // would be alive at once otherwise.
  const nSegs = recordSegments(snapshot);
  for (let i = 0; i < nSegs; i += WAL_SEGMENTS_PER_ATOMIC_MAX) {
    const op = ws.fencedAtomic();
    for (let j = i; j < Math.min(nSegs, i + WAL_SEGMENTS_PER_ATOMIC_MAX); j++) {
      op.set(checkpointKey(ws.id, gen, j), recordSegment(snapshot, j));
    }
    await ws.commitFenced(op);
  }
  await ws.commitFenced(
    ws.fencedAtomic().set(checkpointHeadKey(ws.id), { gen, seq, sids: sidEnd }),
  );
  ws.log.ckptGen = gen;
  ws.log.ckptSeq = seq;
  ws.log.ckptSids = sidEnd;
  // 4. Delete what the checkpoint replaces.
  await deleteRange(ws.kv, {
    start: [...walPrefix(ws.id), 0],
    end: [...walPrefix(ws.id), seq + 1],
  });
  await deleteRange(ws.kv, {
    start: [...checkpointPrefix(ws.id), 0],
    end: [...checkpointPrefix(ws.id), gen],
  });
}

/**
 * Rebuilds the head from KV: the checkpoint (which names the hot series), their series records,
 * metadata, then WAL replay. Series records of other series belong to cold series (evicted to
 * KV) or to nothing; only ids with neither a record nor a hot series are reusable.
 */
export async function recoverWorkspace(ws: Workspace): Promise<void> {
  const h = ws.head;
  const ch = await ws.kv.get<{ gen: number; seq: number; sids: number }>(
    checkpointHeadKey(ws.id),
  );
  let ckpt: Uint8Array | undefined;
  let hot = new Set<number>();
  if (ch.value !== null) {
    const segs: Uint8Array[] = [];
    for await (
      const e of ws.kv.list<Uint8Array>({
        prefix: [...checkpointPrefix(ws.id), ch.value.gen],
      })
    ) segs.push(e.value);
    if (segs.length === 0 || segs.length !== segmentCount(segs[0])) {
      throw new Error(`BUG: checkpoint ${ch.value.gen} of workspace ${ws.id} is incomplete`);
    }
    ckpt = joinSegments(segs);
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
  if (ch.value !== null && ckpt !== undefined) {
    decodeCheckpoint(ckpt, h);
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
      h.applyBatch(b);
      ws.log.walBytes += rec.length;
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
