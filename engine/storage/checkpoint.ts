/**
 * Checkpoint of a head: per-series append state, open chunk bytes, out-of-order and histogram
 * buffers, exemplars. With the series records it replaces WAL records (docs/format_kv.md).
 *
 * Version 3 is written as a stream of pieces while appends go on: each piece holds the state of a
 * run of series as of the WAL position it records (encoded synchronously, so consistent with
 * every batch applied up to that position), and WAL replay after recovery skips, per series, the
 * records its piece already holds. So the writer never holds more than one atomic's worth of
 * encoded bytes, however many series have open chunks. Version 2 (one snapshot at one position)
 * is still read.
 */
import type { HPoint } from "../model/histogram.ts";
import { ByteReader, type ByteWriter, CorruptValueError } from "./byte_buffer.ts";
import { type Head, OooBuffer } from "./head.ts";
import { decodeHistogram, encodeHistogram } from "./histogram_codec.ts";
import { type Batch, decodeLabels, encodeLabels } from "./wal.ts";

/** Checkpoint format version written. */
export const CHECKPOINT_VERSION = 3;
/** The previous format (one snapshot at one WAL position), still read. */
export const CHECKPOINT_VERSION_SNAPSHOT = 2;

const PIECE_SERIES = 1;
const PIECE_TRAILER = 2;
const HAS_OOO = 1;
const HAS_HIST_LAST = 2;
const HAS_HIST = 4;
/** Series whose open chunks' bytes one arena call gathers while a piece is encoded. */
const PIECE_GROUP = 64;
const EMPTY = new Uint8Array(0);

/**
 * Writes a version-3 checkpoint of a head piece by piece (layout in docs/format_kv.md). Between
 * two calls the head may change: every call encodes the head as it is at that moment, under the
 * WAL position the caller passes (the head's last applied batch).
 */
export class CheckpointEncoder {
  readonly #head: Head;
  #next = 1;
  #skip = new Uint8Array(0);
  #ids = new Int32Array(PIECE_GROUP);
  #slots = new Uint32Array(PIECE_GROUP);
  /** Series written so far. */
  series = 0;

  constructor(head: Head) {
    this.#head = head;
  }

  /** The version byte; call once, first. */
  begin(w: ByteWriter): void {
    w.u8(CHECKPOINT_VERSION);
  }

  /**
   * Encodes the next series (in id order) as of WAL position `seq` until `w` holds at least
   * `budget` bytes or every series is written; returns true when every series is written.
   * Series in `unrecorded` (no series record in KV yet) are left out: recovery could not name
   * them, so replay rebuilds them from the checkpoint's base position instead.
   */
  piece(w: ByteWriter, seq: number, budget: number, unrecorded: readonly number[]): boolean {
    const h = this.#head, end = h.nextSid;
    if (this.#next >= end) return true;
    if (this.#skip.length < end) this.#skip = new Uint8Array(Math.max(end, this.#skip.length * 2));
    const skip = this.#skip;
    for (let i = 0; i < unrecorded.length; i++) if (unrecorded[i] < end) skip[unrecorded[i]] = 1;
    w.u8(PIECE_SERIES);
    w.uvarint(seq);
    let sid = this.#next;
    const a = h.arena, ids = this.#ids;
    while (sid < end && w.length < budget) {
      // The next series to write, up to PIECE_GROUP of them, and the bytes of their open chunks
      // gathered by one arena call (views valid until the next arena call: none is made below).
      let n = 0, c = 0, scan = sid;
      for (; scan < end && n < PIECE_GROUP; scan++) {
        if (h.labels[scan] === undefined || skip[scan] === 1) continue;
        ids[n++] = scan;
        if (h.chunkCount[scan] > 0) this.#slots[c++] = h.slot[scan];
      }
      const many = c > 0 ? a.bytesManyView(this.#slots.subarray(0, c)) : undefined;
      let i = 0;
      for (c = 0; i < n && w.length < budget; i++) {
        const s = ids[i];
        if (h.chunkCount[s] === 0) this.#series(w, s, EMPTY, 0, 0);
        else {
          this.#series(w, s, many!.data, many!.offsets[c], many!.offsets[c + 1]);
          c++;
        }
        this.series++;
      }
      sid = i < n ? ids[i] : scan;
    }
    w.uvarint(0); // ids start at 1: 0 ends the piece
    for (let i = 0; i < unrecorded.length; i++) if (unrecorded[i] < end) skip[unrecorded[i]] = 0;
    this.#next = sid;
    return sid >= end;
  }

  /** One series; its open chunk's bytes are `chunk[from, to)` (none when the range is empty). */
  #series(w: ByteWriter, sid: number, chunk: Uint8Array, from: number, to: number): void {
    const h = this.#head;
    w.uvarint(sid);
    w.f64(h.lastT[sid]);
    w.f64(h.lastV[sid]);
    w.f64(h.firstT[sid]);
    if (h.chunkCount[sid] > 0) {
      w.bytesOf(chunk, from, to); // copied now: the view lives until the next arena call
      w.f64(h.chunkMinT[sid]);
      w.f64(h.chunkMaxT[sid]);
    } else w.uvarint(0);
    const ooo = h.ooo.size > 0 ? h.ooo.get(sid) : undefined;
    const histLast = h.histLastT.size > 0 ? h.histLastT.get(sid) : undefined;
    const hist = h.hist.size > 0 ? h.hist.get(sid) : undefined;
    w.u8(
      (ooo !== undefined ? HAS_OOO : 0) | (histLast !== undefined ? HAS_HIST_LAST : 0) |
        (hist !== undefined ? HAS_HIST : 0),
    );
    if (ooo !== undefined) {
      w.uvarint(ooo.n);
      for (let i = 0; i < ooo.n; i++) {
        w.varint(ooo.t[i]);
        w.f64(ooo.v[i]);
      }
    }
    if (histLast !== undefined) w.varint(histLast);
    if (hist !== undefined) encodePoints(hist, w);
  }

  /**
   * The last piece: head-wide bounds and the exemplar ring as of WAL position `seq`. Call after
   * `piece` returned true.
   */
  trailer(w: ByteWriter, seq: number): void {
    const h = this.#head;
    w.u8(PIECE_TRAILER);
    w.uvarint(seq);
    w.f64(h.minT);
    w.f64(h.maxT);
    w.f64(h.coldMaxT);
    w.uvarint(h.nextSid);
    w.uvarint(h.exemplars.length);
    w.uvarint(h.exemplarNext);
    for (const x of h.exemplars) {
      w.uvarint(x.sid);
      w.varint(x.ex.t);
      w.f64(x.ex.value);
      encodeLabels(x.ex.labels, w);
    }
  }
}

function encodePoints(pts: readonly HPoint[], w: ByteWriter): void {
  w.uvarint(pts.length);
  for (const p of pts) {
    w.varint(p.t);
    encodeHistogram(p.h, w);
  }
}

function decodePoints(r: ByteReader): HPoint[] {
  const k = r.uvarint();
  const pts: HPoint[] = [];
  for (let j = 0; j < k; j++) {
    const t = r.varint();
    pts.push({ t, h: decodeHistogram(r) });
  }
  return pts;
}

/**
 * Which WAL records a restored checkpoint already holds, beyond its base position: series `sid`
 * holds every record with sequence `<= seriesSeq[sid]` (0: only those up to the base), the
 * exemplar ring every record up to `exemplarSeq`.
 */
export class CheckpointCover {
  seriesSeq: Float64Array;
  exemplarSeq = 0;
  /** Largest position in `seriesSeq` or `exemplarSeq`: records after it are replayed whole. */
  maxSeq = 0;

  constructor(sids: number) {
    this.seriesSeq = new Float64Array(sids);
  }

  /** Records that series `sid` holds up to `seq`. */
  set(sid: number, seq: number): void {
    if (sid >= this.seriesSeq.length) {
      const n = new Float64Array(Math.max(sid + 1, this.seriesSeq.length * 2));
      n.set(this.seriesSeq);
      this.seriesSeq = n;
    }
    this.seriesSeq[sid] = seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  /**
   * Drops from the decoded WAL record `seq` in `b` whatever the checkpoint already holds (sample
   * entries, new series, histograms and exemplars of covered series), so replaying it is exact.
   */
  filter(b: Batch, seq: number): void {
    if (seq > this.maxSeq) return;
    const cov = this.seriesSeq, n = cov.length;
    const covered = (sid: number) => sid < n && cov[sid] >= seq;
    b.newSeries = b.newSeries.filter((s) => !covered(s.sid));
    let k = 0;
    for (let e = 0; e < b.entries; e++) {
      const sid = b.sids[e];
      if (covered(sid)) continue;
      b.sids[k] = sid;
      b.starts[k] = b.starts[e];
      b.counts[k] = b.counts[e];
      k++;
    }
    b.entries = k;
    b.hist = b.hist.filter((h) => !covered(h.sid));
    if (this.exemplarSeq >= seq) b.exemplars = [];
  }
}

/**
 * Restores a checkpoint into a head whose series are already loaded; returns what replay must
 * skip (nothing beyond the base position for a version-2 snapshot).
 */
export function decodeCheckpoint(bytes: Uint8Array, head: Head): CheckpointCover {
  const r = new ByteReader(bytes);
  const version = r.u8();
  if (version === CHECKPOINT_VERSION_SNAPSHOT) {
    decodeSnapshot(r, head);
    return new CheckpointCover(0);
  }
  if (version !== CHECKPOINT_VERSION) {
    throw new CorruptValueError(`unknown checkpoint version ${version}`);
  }
  const cover = new CheckpointCover(head.nextSid);
  for (;;) {
    const kind = r.u8();
    const seq = r.uvarint();
    if (kind === PIECE_TRAILER) {
      head.minT = r.f64();
      head.maxT = r.f64();
      head.coldMaxT = r.f64();
      const nextSid = r.uvarint();
      if (nextSid > head.nextSid) head.nextSid = nextSid;
      decodeExemplars(r, head);
      cover.exemplarSeq = seq;
      if (seq > cover.maxSeq) cover.maxSeq = seq;
      break;
    }
    if (kind !== PIECE_SERIES) throw new CorruptValueError(`unknown checkpoint piece ${kind}`);
    for (let sid = r.uvarint(); sid !== 0; sid = r.uvarint()) {
      const lastT = r.f64(), lastV = r.f64(), firstT = r.f64();
      const chunk = r.bytes();
      const chunkMinT = chunk.length > 0 ? r.f64() : 0, chunkMaxT = chunk.length > 0 ? r.f64() : 0;
      const flags = r.u8();
      let ooo: OooBuffer | undefined, histLast: number | undefined;
      let hist: HPoint[] | undefined;
      if (flags & HAS_OOO) {
        ooo = new OooBuffer();
        const k = r.uvarint();
        for (let j = 0; j < k; j++) {
          const t = r.varint();
          ooo.insert(t, r.f64());
        }
      }
      if (flags & HAS_HIST_LAST) histLast = r.varint();
      if (flags & HAS_HIST) hist = decodePoints(r);
      if (head.labels[sid] === undefined) continue; // removed by retention after the checkpoint
      cover.set(sid, seq);
      restoreSeries(head, sid, lastT, lastV, firstT, chunk, chunkMinT, chunkMaxT);
      if (ooo !== undefined) head.ooo.set(sid, ooo);
      if (histLast !== undefined) head.histLastT.set(sid, histLast);
      if (hist !== undefined) head.hist.set(sid, hist);
    }
  }
  if (!r.done()) throw new CorruptValueError("trailing bytes in checkpoint");
  return cover;
}

function restoreSeries(
  head: Head,
  sid: number,
  lastT: number,
  lastV: number,
  firstT: number,
  chunk: Uint8Array,
  chunkMinT: number,
  chunkMaxT: number,
): void {
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

function decodeExemplars(r: ByteReader, head: Head): void {
  const nx = r.uvarint();
  head.exemplarNext = r.uvarint();
  head.exemplars = [];
  for (let i = 0; i < nx; i++) {
    const sid = r.uvarint();
    const t = r.varint();
    const value = r.f64();
    head.exemplars.push({ sid, ex: { t, value, labels: decodeLabels(r) } });
  }
}

/** Version 2: header, every series, then the out-of-order, histogram and exemplar sections. */
function decodeSnapshot(r: ByteReader, head: Head): void {
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
    restoreSeries(head, sid, lastT, lastV, firstT, chunk, chunkMinT, chunkMaxT);
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
    const pts = decodePoints(r);
    if (head.labels[sid] !== undefined) head.hist.set(sid, pts);
  }
  decodeExemplars(r, head);
  if (!r.done()) throw new CorruptValueError("trailing bytes in checkpoint");
}

/** Skips one series' append state: last t/v, first t, open chunk bytes and their bounds. */
function skipSeriesState(r: ByteReader): void {
  r.f64();
  r.f64();
  r.f64();
  if (r.bytes().length > 0) {
    r.f64();
    r.f64();
  }
}

/** The series ids a checkpoint holds (the hot series), without restoring them. */
export function checkpointSids(bytes: Uint8Array): { sids: Set<number>; nextSid: number } {
  const r = new ByteReader(bytes);
  const version = r.u8();
  const sids = new Set<number>();
  if (version === CHECKPOINT_VERSION_SNAPSHOT) {
    r.f64();
    r.f64();
    r.f64();
    const nextSid = r.uvarint();
    const n = r.uvarint();
    for (let i = 0; i < n; i++) {
      sids.add(r.uvarint());
      skipSeriesState(r);
    }
    return { sids, nextSid };
  }
  if (version !== CHECKPOINT_VERSION) {
    throw new CorruptValueError(`unknown checkpoint version ${version}`);
  }
  for (;;) {
    const kind = r.u8();
    r.uvarint();
    if (kind === PIECE_TRAILER) {
      r.f64();
      r.f64();
      r.f64();
      return { sids, nextSid: r.uvarint() };
    }
    if (kind !== PIECE_SERIES) throw new CorruptValueError(`unknown checkpoint piece ${kind}`);
    for (let sid = r.uvarint(); sid !== 0; sid = r.uvarint()) {
      sids.add(sid);
      skipSeriesState(r);
      const flags = r.u8();
      if (flags & HAS_OOO) {
        const k = r.uvarint();
        for (let j = 0; j < k; j++) {
          r.varint();
          r.f64();
        }
      }
      if (flags & HAS_HIST_LAST) r.varint();
      if (flags & HAS_HIST) decodePoints(r);
    }
  }
}
