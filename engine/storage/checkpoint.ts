/**
 * Checkpoint of a head: per-series append state, open chunk bytes, out-of-order and histogram
 * buffers, exemplars. With the series records it replaces every WAL record up to its sequence
 * number. Layout in docs/format_kv.md.
 */
import type { HPoint } from "../model/histogram.ts";
import { ByteReader, ByteWriter, CorruptValueError } from "./byte_buffer.ts";
import { type Head, OooBuffer } from "./head.ts";
import { decodeHistogram, encodeHistogram } from "./histogram_codec.ts";
import { decodeLabels, encodeLabels } from "./wal.ts";

/** Checkpoint format version. */
export const CHECKPOINT_VERSION = 2;

/** Serialises the head's state (synchronously: a consistent snapshot). */
export function encodeCheckpoint(head: Head): Uint8Array {
  // Sized up front (per series: id, 5 f64s, a length; plus the open chunks' bytes), so the
  // writer does not regrow by doubling, which held the old and the new buffer at once; pages
  // past the end are never touched and cost no memory.
  const w = new ByteWriter(4096 + 64 * head.nextSid + head.arena.memoryBytes());
  w.u8(CHECKPOINT_VERSION);
  w.f64(head.minT);
  w.f64(head.maxT);
  w.f64(head.coldMaxT);
  w.uvarint(head.nextSid);
  let n = 0;
  for (let sid = 1; sid < head.nextSid; sid++) if (head.labels[sid] !== undefined) n++;
  w.uvarint(n);
  const arena = head.arena;
  for (let sid = 1; sid < head.nextSid; sid++) {
    if (head.labels[sid] === undefined) continue;
    w.uvarint(sid);
    w.f64(head.lastT[sid]);
    w.f64(head.lastV[sid]);
    w.f64(head.firstT[sid]);
    if (head.chunkCount[sid] > 0) {
      // A view is enough: w.bytes() copies it before the next arena call.
      w.bytes(arena.bytesView ? arena.bytesView(head.slot[sid]) : arena.bytes(head.slot[sid]));
      w.f64(head.chunkMinT[sid]);
      w.f64(head.chunkMaxT[sid]);
    } else w.uvarint(0);
  }
  w.uvarint(head.ooo.size);
  for (const [sid, buf] of head.ooo) {
    w.uvarint(sid);
    w.uvarint(buf.n);
    for (let i = 0; i < buf.n; i++) {
      w.varint(buf.t[i]);
      w.f64(buf.v[i]);
    }
  }
  w.uvarint(head.histLastT.size);
  for (const [sid, t] of head.histLastT) {
    w.uvarint(sid);
    w.varint(t);
  }
  w.uvarint(head.hist.size);
  for (const [sid, pts] of head.hist) {
    w.uvarint(sid);
    w.uvarint(pts.length);
    for (const p of pts) {
      w.varint(p.t);
      encodeHistogram(p.h, w);
    }
  }
  w.uvarint(head.exemplars.length);
  w.uvarint(head.exemplarNext);
  for (const x of head.exemplars) {
    w.uvarint(x.sid);
    w.varint(x.ex.t);
    w.f64(x.ex.value);
    encodeLabels(x.ex.labels, w);
  }
  return w.view(); // the writer is ours alone: no copy
}

/** Restores a checkpoint into a head whose series are already loaded. */
export function decodeCheckpoint(bytes: Uint8Array, head: Head): void {
  const r = new ByteReader(bytes);
  const version = r.u8();
  if (version !== CHECKPOINT_VERSION) {
    throw new CorruptValueError(`unknown checkpoint version ${version}`);
  }
  head.minT = r.f64();
  head.maxT = r.f64();
  head.coldMaxT = r.f64();
  const nextSid = r.uvarint();
  if (nextSid > head.nextSid) head.nextSid = nextSid;
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    const sid = r.uvarint();
    const lastT = r.f64(), lastV = r.f64(), firstT = r.f64();
    const chunk = r.bytes();
    const chunkMinT = chunk.length > 0 ? r.f64() : 0, chunkMaxT = chunk.length > 0 ? r.f64() : 0;
    if (head.labels[sid] === undefined) continue; // removed by retention after the checkpoint
    head.lastT[sid] = lastT;
    head.lastV[sid] = lastV;
    head.firstT[sid] = firstT;
    if (chunk.length > 0) {
      const slot = head.arena.alloc(chunk);
      head.slot[sid] = slot;
      head.chunkCount[sid] = head.arena.count(slot);
      head.chunkMinT[sid] = chunkMinT;
      head.chunkMaxT[sid] = chunkMaxT;
    }
  }
  const no = r.uvarint();
  for (let i = 0; i < no; i++) {
    const sid = r.uvarint();
    const k = r.uvarint();
    const buf = new OooBuffer();
    for (let j = 0; j < k; j++) {
      const t = r.varint();
      buf.insert(t, r.f64());
    }
    if (head.labels[sid] !== undefined) head.ooo.set(sid, buf);
  }
  const nl = r.uvarint();
  for (let i = 0; i < nl; i++) {
    const sid = r.uvarint();
    const t = r.varint();
    if (head.labels[sid] !== undefined) head.histLastT.set(sid, t);
  }
  const nh = r.uvarint();
  for (let i = 0; i < nh; i++) {
    const sid = r.uvarint();
    const k = r.uvarint();
    const pts: HPoint[] = [];
    for (let j = 0; j < k; j++) {
      const t = r.varint();
      pts.push({ t, h: decodeHistogram(r) });
    }
    if (head.labels[sid] !== undefined) head.hist.set(sid, pts);
  }
  const nx = r.uvarint();
  head.exemplarNext = r.uvarint();
  head.exemplars = [];
  for (let i = 0; i < nx; i++) {
    const sid = r.uvarint();
    const t = r.varint();
    const value = r.f64();
    head.exemplars.push({ sid, ex: { t, value, labels: decodeLabels(r) } });
  }
  if (!r.done()) throw new CorruptValueError("trailing bytes in checkpoint");
}

/** The series ids a checkpoint holds (the hot series), without decoding the rest. */
export function checkpointSids(bytes: Uint8Array): { sids: Set<number>; nextSid: number } {
  const r = new ByteReader(bytes);
  const version = r.u8();
  if (version !== CHECKPOINT_VERSION) {
    throw new CorruptValueError(`unknown checkpoint version ${version}`);
  }
  r.f64();
  r.f64();
  r.f64();
  const nextSid = r.uvarint();
  const n = r.uvarint();
  const sids = new Set<number>();
  for (let i = 0; i < n; i++) {
    sids.add(r.uvarint());
    r.f64();
    r.f64();
    r.f64();
    if (r.bytes().length > 0) {
      r.f64();
      r.f64();
    }
  }
  return { sids, nextSid };
}
