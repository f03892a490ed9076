/**
 * The head of one workspace: series (labels, hash lookup, postings), per-series append state in
 * typed arrays, open chunks in the arena, out-of-order and histogram buffers, closed chunks
 * waiting for the flusher, exemplars and metadata. Mutated only by applying committed batches
 * (live or replayed from the WAL), so replay rebuilds exactly the same state.
 */
import type { Labels } from "../model/labels.ts";
import { labelsEqual } from "../model/labels.ts";
import type { HPoint } from "../model/histogram.ts";
import type { Exemplar, MetricMetadata } from "../model/write.ts";
import type { ChunkArena } from "./chunk_arena.ts";
import type { Batch } from "./wal.ts";
import { CHUNK_KIND_HIST, CHUNK_KIND_XOR, CHUNK_KIND_XOR_OOO, partitionOf } from "./keys.ts";
import { CHUNK_SAMPLES_MAX, METADATA_PER_METRIC_MAX } from "./limits.ts";
import { MemPostings } from "./postings.ts";
import { SidIndex } from "./sid_index.ts";
import { encodeXorChunk } from "../../wasm/mod.ts";
import { ByteWriter } from "./byte_buffer.ts";
import { encodeHistogram } from "./histogram_codec.ts";

/** Chunk state of a series carried between entries of one batch (see `#applyFloats`). */
interface ChunkCarry {
  count: number;
  part: number;
  round: number;
  open: boolean;
}
/** Labels carrying series ids of heads (see Head.lookup). */
type Tagged = Labels & { [k: symbol]: number | undefined };

/** A closed chunk waiting to be written to KV. */
export interface ClosedChunk {
  sid: number;
  partition: number;
  minT: number;
  maxT: number;
  kind: number;
  bytes: Uint8Array;
}

/**
 * Out-of-order float samples of one series, sorted by time. Typed arrays, because a plain JS
 * array of doubles may canonicalise NaN payloads and lose the staleness marker.
 */
export class OooBuffer {
  t: Float64Array<ArrayBuffer> = new Float64Array(8);
  v: Float64Array<ArrayBuffer> = new Float64Array(8);
  /** Samples held. */
  n = 0;

  /** Inserts a sample in time order; false (and no change) when `t` is already present. */
  insert(t: number, v: number): boolean {
    let lo = 0, hi = this.n;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (this.t[m] < t) lo = m + 1;
      else hi = m;
    }
    if (lo < this.n && this.t[lo] === t) return false;
    if (this.n === this.t.length) {
      const nt = new Float64Array(this.n * 2), nv = new Float64Array(this.n * 2);
      nt.set(this.t);
      nv.set(this.v);
      this.t = nt;
      this.v = nv;
    }
    this.t.copyWithin(lo + 1, lo, this.n);
    this.v.copyWithin(lo + 1, lo, this.n);
    this.t[lo] = t;
    this.v[lo] = v;
    this.n++;
    return true;
  }

  /** Newest timestamp (-Infinity when empty). */
  lastT(): number {
    return this.n > 0 ? this.t[this.n - 1] : -Infinity;
  }

  /** Copies of the columns. */
  columns(): { t: Float64Array; v: Float64Array } {
    return { t: this.t.slice(0, this.n), v: this.v.slice(0, this.n) };
  }
}

/**
 * Bytes of closed chunks, copied into shared 1 MiB slabs and handed out as views. A separate
 * array per chunk cost a backing store, its malloc block and bookkeeping per chunk: when every
 * series cuts its chunk in the same round (a partition edge, or 120 samples on an aligned
 * start), 100k small allocations at once that fragmented the C heap for good. Pending chunks
 * are written in order, so slabs become garbage in order; a slab stays alive while any view of
 * it does (readers copy what they keep).
 */
class ChunkSlab {
  #buf = new Uint8Array(0);
  #at = 0;

  /** A view of a copy of `src`. */
  copy(src: Uint8Array): Uint8Array {
    const n = src.length;
    if (this.#at + n > this.#buf.length) {
      this.#buf = new Uint8Array(Math.max(SLAB_BYTES, n));
      this.#at = 0;
    }
    const at = this.#at;
    this.#buf.set(src, at);
    this.#at = (at + n + 7) & ~7;
    return this.#buf.subarray(at, at + n);
  }
}
const SLAB_BYTES = 1 << 20;

/** FNV-1a over label names and values (with separators); equal labels hash equally. */
export function hashLabels(labels: Labels): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < labels.length; i++) {
    const n = labels[i].name, v = labels[i].value;
    for (let j = 0; j < n.length; j++) h = Math.imul(h ^ n.charCodeAt(j), 0x01000193);
    h = Math.imul(h ^ 0xff, 0x01000193);
    for (let j = 0; j < v.length; j++) h = Math.imul(h ^ v.charCodeAt(j), 0x01000193);
    h = Math.imul(h ^ 0xfe, 0x01000193);
  }
  return h >>> 0;
}

/** Serialises a histogram chunk (see docs/format_kv.md). */
export function encodeHistChunk(points: readonly HPoint[]): Uint8Array {
  const w = new ByteWriter(256);
  w.uvarint(points.length);
  for (const p of points) {
    w.varint(p.t);
    encodeHistogram(p.h, w);
  }
  return w.copy();
}

/** Options of a head. */
export interface HeadOptions {
  partitionMs: number;
  oooWindowMs: number;
  exemplarsMax: number;
}

/** One workspace's in-memory head. */
export class Head {
  readonly postings = new MemPostings();
  readonly arena: ChunkArena;
  readonly opts: HeadOptions;
  /** Labels by series id (undefined for unused ids). */
  labels: (Labels | undefined)[] = [];
  #byHash = new SidIndex();
  /** Number of series. */
  seriesCount = 0;
  /** Next never-used series id. */
  nextSid = 1;
  /**
   * Ids of series removed by retention (their data and WAL records are gone), reused for new
   * series so per-series arrays stay bounded by the series within retention.
   */
  freeSids: number[] = [];
  /** During WAL replay: data of series removed by retention after the checkpoint is skipped. */
  replaying = false;
  /** Series created by batches whose series record is not written yet (the next checkpoint does). */
  unrecorded: number[] = [];
  /** Largest float/histogram timestamp seen, ms (NaN when none). */
  maxT = NaN;
  /** Smallest timestamp seen, ms (NaN when none). */
  minT = NaN;
  /** Newest sample of any series evicted to KV only ("cold"), ms (-Infinity when none). */
  coldMaxT = -Infinity;

  // Per-series state, indexed by series id.
  lastT = new Float64Array(1024).fill(NaN);
  lastV = new Float64Array(1024);
  firstT = new Float64Array(1024).fill(NaN);
  slot = new Int32Array(1024).fill(-1);
  chunkMinT = new Float64Array(1024);
  chunkMaxT = new Float64Array(1024);
  chunkCount = new Uint16Array(1024);
  /** Per series: the last batch (`#batchSeq`) with an entry for it (finds repeated series). */
  #batchMark = new Int32Array(1024);
  #batchSeq = 0;

  readonly ooo = new Map<number, OooBuffer>();
  readonly hist = new Map<number, HPoint[]>();
  /** Newest histogram timestamp per series (kept after the buffer is flushed). */
  readonly histLastT = new Map<number, number>();
  /** Closed chunks not yet written, oldest first; `pendingBase` counts those already removed. */
  pending: ClosedChunk[] = [];
  pendingBase = 0;
  readonly pendingBySid = new Map<number, ClosedChunk[]>();
  /** Called for each closed chunk once it is durable in KV (the read side's chunk-list cache). */
  onFlushed: ((c: ClosedChunk) => void) | undefined;
  /** Exemplar ring buffer. */
  exemplars: { sid: number; ex: Exemplar }[] = [];
  exemplarNext = 0;
  readonly metadata = new Map<string, MetricMetadata[]>();

  readonly #slab = new ChunkSlab();
  // Scratch for applyBatch (reused; no per-sample allocation).
  #runSid = new Int32Array(256);
  #runStart = new Int32Array(256);
  #runCount = new Int32Array(256);
  #runRound = new Int32Array(256);
  #slots = new Int32Array(256);
  #starts = new Int32Array(256);
  #counts = new Int32Array(256);

  constructor(arena: ChunkArena, opts: HeadOptions) {
    this.arena = arena;
    this.opts = opts;
  }

  /**
   * Ingest's label cache hands out the same Labels object for a recurring series, so the head
   * remembers a series' id on that object under this head's own symbol: a hit is one property
   * load plus an identity check against `labels[sid]`. (A WeakMap from object to id cost most of
   * the append loop's time at 100k series: a random probe per series and ephemeron work in GC.)
   */
  readonly #sidKey: symbol = Symbol("promenade.head.sid");

  /** The id of a series with exactly these labels, or 0. */
  lookup(labels: Labels, hash?: number): number {
    const known = (labels as Tagged)[this.#sidKey];
    if (known !== undefined) {
      const have = this.labels[known];
      if (have === labels) return known;
      // The tag may be stale (the id was freed and reused) or the head holds an equal copy
      // (e.g. read back from KV at recovery): verify, then hold the caller's object.
      if (have !== undefined && labelsEqual(have, labels)) {
        this.labels[known] = labels;
        return known;
      }
    }
    const sid = this.#lookupHash(labels, hash ?? hashLabels(labels));
    if (sid !== 0) {
      this.labels[sid] = labels;
      this.#tag(labels, sid);
    }
    return sid;
  }

  #tag(labels: Labels, sid: number): void {
    if (Object.isExtensible(labels)) (labels as Tagged)[this.#sidKey] = sid;
  }

  #lookupHash(labels: Labels, hash: number): number {
    return this.#byHash.find(hash, (sid) => labelsEqual(this.labels[sid]!, labels));
  }

  #ensure(sid: number): void {
    if (sid < this.lastT.length) return;
    let cap = this.lastT.length;
    while (cap <= sid) cap *= 2;
    const f = (a: Float64Array, fill: number) => {
      const n = new Float64Array(cap).fill(fill);
      n.set(a);
      return n;
    };
    this.lastT = f(this.lastT, NaN);
    this.lastV = f(this.lastV, 0);
    this.firstT = f(this.firstT, NaN);
    this.chunkMinT = f(this.chunkMinT, 0);
    this.chunkMaxT = f(this.chunkMaxT, 0);
    const s = new Int32Array(cap).fill(-1);
    s.set(this.slot);
    this.slot = s;
    const c = new Uint16Array(cap);
    c.set(this.chunkCount);
    this.chunkCount = c;
    const m = new Int32Array(cap);
    m.set(this.#batchMark);
    this.#batchMark = m;
  }

  /** Adds a series with a given id (from a batch, a series record or recovery). */
  addSeries(sid: number, labels: Labels, hash?: number): void {
    if (this.labels[sid] !== undefined) {
      if (!labelsEqual(this.labels[sid]!, labels)) throw new Error(`BUG: series id ${sid} reused`);
      return;
    }
    this.#ensure(sid);
    this.labels[sid] = labels;
    this.#tag(labels, sid);
    this.#byHash.add(hash ?? hashLabels(labels), sid);
    this.postings.add(sid, labels);
    this.seriesCount++;
    if (sid >= this.nextSid) this.nextSid = sid + 1;
  }

  /** Drops exemplars of series that are gone (after removeSeries). */
  purgeExemplars(): void {
    const kept = this.exemplars.filter((x) => this.labels[x.sid] !== undefined);
    if (kept.length === this.exemplars.length) return;
    // Oldest first, so the ring continues in order.
    const n = this.exemplars.length;
    const ordered = [];
    for (let i = 0; i < n; i++) {
      const x = this.exemplars[(this.exemplarNext + i) % n];
      if (this.labels[x.sid] !== undefined) ordered.push(x);
    }
    this.exemplars = ordered;
    this.exemplarNext = ordered.length % Math.max(1, this.opts.exemplarsMax);
  }

  /**
   * Series that can leave memory: no sample since `beforeT` and nothing open or pending. Their
   * data stays in KV chunks ("cold" series).
   */
  evictable(beforeT: number): number[] {
    const out: number[] = [];
    for (let sid = 1; sid < this.nextSid; sid++) {
      if (this.labels[sid] === undefined || this.chunkCount[sid] > 0) continue;
      const last = this.lastSampleT(sid);
      if (!(last < beforeT) || this.ooo.has(sid) || this.hist.has(sid)) continue;
      if (this.pendingBySid.has(sid)) continue;
      out.push(sid);
    }
    return out;
  }

  /** Newest float or histogram timestamp of a series (-Infinity when none). */
  lastSampleT(sid: number): number {
    const f = this.lastT[sid];
    return Math.max(Number.isNaN(f) ? -Infinity : f, this.histLastT.get(sid) ?? -Infinity);
  }

  /** Removes a series from memory (retention); its open chunk must already be closed. */
  removeSeries(sid: number): void {
    const labels = this.labels[sid];
    if (labels === undefined) return;
    this.#forget(sid, labels);
    this.postings.delete(sid, labels);
  }

  /** Removes many series (eviction, retention): postings are updated once for all of them. */
  removeSeriesMany(sids: readonly number[]): void {
    const gone: number[] = [], labels: Labels[] = [];
    for (const sid of sids) {
      const l = this.labels[sid];
      if (l === undefined) continue;
      gone.push(sid);
      labels.push(l);
      this.#forget(sid, l);
    }
    this.postings.deleteMany(gone, labels);
  }

  /** Everything of removeSeries but the postings. */
  #forget(sid: number, labels: Labels): void {
    if (this.slot[sid] >= 0) {
      this.arena.free(this.slot[sid]);
      this.slot[sid] = -1;
    }
    this.labels[sid] = undefined;
    this.#byHash.delete(hashLabels(labels), sid);
    this.ooo.delete(sid);
    this.hist.delete(sid);
    this.histLastT.delete(sid);
    this.pendingBySid.delete(sid);
    this.lastT[sid] = NaN;
    this.firstT[sid] = NaN;
    this.seriesCount--;
  }

  #seen(t: number): void {
    if (!(t <= this.maxT)) this.maxT = t;
    if (!(t >= this.minT)) this.minT = t;
  }

  /** Applies a committed batch. Deterministic: replaying the WAL rebuilds the same head. */
  applyBatch(b: Batch): void {
    for (const s of b.newSeries) {
      this.addSeries(s.sid, s.labels, s.hash);
      this.unrecorded.push(s.sid);
    }
    this.#applyFloats(b);
    for (const h of b.hist) if (this.labels[h.sid] !== undefined) this.#applyHist(h.sid, h.points);
    for (const x of b.exemplars) {
      if (this.labels[x.sid] !== undefined) this.#addExemplar(x.sid, x.ex);
    }
    for (const m of b.metadata) this.#addMetadata(m);
  }

  /**
   * Series with more than one entry in `b` (undefined when none, the usual case), each mapped to
   * the chunk state its previous entry left (undefined until that entry is applied).
   */
  #repeatedSids(b: Batch): Map<number, ChunkCarry | undefined> | undefined {
    if (++this.#batchSeq === 0x7fffffff) {
      this.#batchMark.fill(0);
      this.#batchSeq = 1;
    }
    const seq = this.#batchSeq, mark = this.#batchMark;
    let out: Map<number, ChunkCarry | undefined> | undefined;
    for (let e = 0; e < b.entries; e++) {
      const sid = b.sids[e];
      if (sid >= mark.length) continue; // unknown series: rejected or skipped by the caller
      if (mark[sid] === seq) (out ??= new Map()).set(sid, undefined);
      else mark[sid] = seq;
    }
    return out;
  }

  /**
   * Appends a batch's float samples. Samples go to the arena in runs (consecutive samples of one
   * series in the batch's columns, for one chunk) and in rounds: a run that starts a new chunk
   * closes the old one first, so a series' runs after a chunk cut wait for the next round. A run
   * continuing the series' open chunk, in round 0, of a series with one entry (the usual case)
   * is queued for the arena at once; the others go through the runs list.
   */
  #applyFloats(b: Batch): void {
    const P = this.opts.partitionMs;
    let runs = 0, rounds = 0, n0 = 0;
    if (this.#runSid.length < b.samples) this.#growRuns(b.samples);
    // A group-commit batch may hold several entries of one series (concurrent requests): those
    // carry their chunk state (count, partition, round) from one entry to the next.
    const repeated = this.#repeatedSids(b);
    // Columns in locals: nothing below grows them (series were added before), and the loop
    // reads them per sample. The head-wide bounds too, written back around #oooInsert.
    const labels = this.labels, lastTs = this.lastT, lastVs = this.lastV, firstTs = this.firstT;
    const slot = this.slot, chunkCount = this.chunkCount;
    const chunkMinT = this.chunkMinT, chunkMaxT = this.chunkMaxT;
    const bt = b.t, bv = b.v, sids = b.sids;
    const runSid = this.#runSid, runStart = this.#runStart, runCount = this.#runCount;
    const runRound = this.#runRound, slots = this.#slots, starts = this.#starts;
    const counts = this.#counts;
    let maxT = this.maxT, minT = this.minT;
    for (let e = 0; e < b.entries; e++) {
      const sid = sids[e];
      if (labels[sid] === undefined) {
        if (this.replaying) continue; // removed by retention between checkpoints
        throw new Error(`BUG: samples for unknown series ${sid}`);
      }
      const start = b.starts[e], end = start + b.counts[e];
      const carry = repeated?.get(sid);
      let count = carry ? carry.count : chunkCount[sid];
      // Partitions as partitionOf() computes them, written out: the call was not inlined here.
      let part = carry ? carry.part : count > 0 ? Math.floor(chunkMinT[sid] / P) : -1;
      let round = carry ? carry.round : 0;
      // An earlier entry's run is open in `round`: a cut must start the next round.
      let carried = carry ? carry.open : false;
      // The open run (`runAt` < 0: none), and whether this entry has a run in `round`.
      let runAt = -1, runN = 0, runFresh = false, runRound0 = 0, inRound = false;
      // Runs may be queued at once until one starts a new chunk (see the method's note).
      let direct = repeated === undefined || !repeated.has(sid);
      for (let i = start; i <= end; i++) {
        // The run ends at a skipped sample, a cut, or the entry's end (i === end).
        let t = 0, cut = false;
        if (i < end) {
          t = bt[i];
          const last = lastTs[sid];
          if (t <= last) {
            if (t < last) {
              this.maxT = maxT;
              this.minT = minT;
              this.#oooInsert(sid, t, bv[i]);
              maxT = this.maxT;
              minT = this.minT;
            } // else: an idempotent duplicate (validation rejected different values)
            if (runAt < 0) continue;
          } else {
            lastTs[sid] = t;
            lastVs[sid] = bv[i];
            if (!(firstTs[sid] <= t)) firstTs[sid] = t;
            if (!(t <= maxT)) maxT = t;
            if (!(t >= minT)) minT = t;
            const p = Math.floor(t / P);
            cut = count >= CHUNK_SAMPLES_MAX || (count > 0 && p !== part);
            if (!cut && runAt >= 0) {
              runN++;
              count++;
              continue;
            }
            if (!cut) {
              if (count === 0) part = p;
              runAt = i;
              runN = 1;
              runFresh = count === 0;
              runRound0 = round;
              inRound = true;
              if (round + 1 > rounds) rounds = round + 1;
              count++;
              continue;
            }
          }
        }
        if (runAt >= 0) {
          if (direct && !runFresh && runRound0 === 0 && slot[sid] >= 0) {
            chunkMaxT[sid] = bt[runAt + runN - 1];
            chunkCount[sid] += runN;
            slots[n0] = slot[sid];
            starts[n0] = runAt;
            counts[n0] = runN;
            n0++;
          } else {
            direct = false;
            runSid[runs] = sid;
            runStart[runs] = runAt;
            runCount[runs] = runN;
            runRound[runs] = runFresh ? -(runRound0 + 1) : runRound0; // negative: a new chunk
            runs++;
          }
          runAt = -1;
        }
        if (cut) {
          // Cut: the next run starts a fresh chunk (closed at the start of its round).
          if (inRound || carried) round++;
          inRound = false;
          carried = false;
          count = 0;
          part = Math.floor(t / P);
          runAt = i;
          runN = 1;
          runFresh = true;
          runRound0 = round;
          inRound = true;
          if (round + 1 > rounds) rounds = round + 1;
          count++;
        }
      }
      if (repeated?.has(sid)) repeated.set(sid, { count, part, round, open: inRound || carried });
    }
    this.maxT = maxT;
    this.minT = minT;
    for (let r = 0; r < rounds || (r === 0 && n0 > 0); r++) {
      let n = r === 0 ? n0 : 0;
      for (let i = 0; i < runs; i++) {
        const rr = runRound[i];
        const fresh = rr < 0;
        if ((fresh ? -rr - 1 : rr) !== r) continue;
        const sid = runSid[i];
        if (fresh && chunkCount[sid] > 0) this.#closeChunk(sid);
        if (slot[sid] < 0) slot[sid] = this.arena.alloc();
        const start = runStart[i], cnt = runCount[i];
        if (chunkCount[sid] === 0) chunkMinT[sid] = bt[start];
        chunkMaxT[sid] = bt[start + cnt - 1];
        chunkCount[sid] += cnt;
        slots[n] = slot[sid];
        starts[n] = start;
        counts[n] = cnt;
        n++;
      }
      if (n > 0) this.arena.appendMany(slots, starts, counts, n, bt, bv);
    }
    if (this.ooo.size === 0) return;
    for (let e = 0; e < b.entries; e++) {
      const sid = sids[e];
      const buf = this.ooo.get(sid);
      if (buf === undefined) continue;
      if (
        buf.n >= CHUNK_SAMPLES_MAX ||
        buf.lastT() < this.lastT[sid] - this.opts.oooWindowMs
      ) {
        this.flushOoo(sid);
      }
    }
  }

  /** Room for `n` runs (at most one per sample) in the run and arena-call columns. */
  #growRuns(n: number): void {
    const cap = Math.max(n, 2 * this.#runSid.length);
    this.#runSid = new Int32Array(cap);
    this.#runStart = new Int32Array(cap);
    this.#runCount = new Int32Array(cap);
    this.#runRound = new Int32Array(cap);
    this.#slots = new Int32Array(cap);
    this.#starts = new Int32Array(cap);
    this.#counts = new Int32Array(cap);
  }

  #oooInsert(sid: number, t: number, v: number): void {
    let buf = this.ooo.get(sid);
    if (buf === undefined) this.ooo.set(sid, buf = new OooBuffer());
    if (!buf.insert(t, v)) return;
    if (!(this.firstT[sid] <= t)) this.firstT[sid] = t;
    this.#seen(t);
  }

  /** Closes the open chunk of `sid` into the pending list and frees its slot. */
  #closeChunk(sid: number): void {
    const slot = this.slot[sid];
    if (slot < 0 || this.chunkCount[sid] === 0) return;
    const bytes = this.#slab.copy(this.arena.bytesView(slot));
    this.#pushPending({
      sid,
      partition: partitionOf(this.chunkMinT[sid], this.opts.partitionMs),
      minT: this.chunkMinT[sid],
      maxT: this.chunkMaxT[sid],
      kind: CHUNK_KIND_XOR,
      bytes,
    });
    this.arena.free(slot);
    this.slot[sid] = -1;
    this.chunkCount[sid] = 0;
  }

  /** Closes open chunks of series idle past their partition, freeing arena memory. */
  closeIdleChunks(nowT: number): number {
    let closed = 0;
    const P = this.opts.partitionMs;
    const cutoff = nowT - this.opts.oooWindowMs;
    for (let sid = 1; sid < this.nextSid; sid++) {
      if (this.chunkCount[sid] === 0) continue;
      if ((partitionOf(this.chunkMinT[sid], P) + 1) * P <= cutoff) {
        this.#closeChunk(sid);
        closed++;
      }
      const buf = this.ooo.get(sid);
      if (buf && buf.lastT() < this.lastT[sid] - this.opts.oooWindowMs) {
        this.flushOoo(sid);
      }
      const h = this.hist.get(sid);
      if (h && h.length > 0 && (partitionOf(h[0].t, P) + 1) * P <= cutoff) {
        this.#flushHist(sid, Infinity);
      }
    }
    return closed;
  }

  /** Writes a series' out-of-order buffer as OOO chunks (one per partition). */
  flushOoo(sid: number): void {
    const buf = this.ooo.get(sid);
    if (buf === undefined || buf.n === 0) return;
    this.ooo.delete(sid);
    const P = this.opts.partitionMs;
    const { t, v } = buf.columns();
    let i = 0;
    while (i < t.length) {
      const p = partitionOf(t[i], P);
      let j = i;
      while (j < t.length && partitionOf(t[j], P) === p && j - i < CHUNK_SAMPLES_MAX) j++;
      this.#pushPending({
        sid,
        partition: p,
        minT: t[i],
        maxT: t[j - 1],
        kind: CHUNK_KIND_XOR_OOO,
        bytes: encodeXorChunk(t.subarray(i, j), v.subarray(i, j)),
      });
      i = j;
    }
  }

  #applyHist(sid: number, points: readonly HPoint[]): void {
    let list = this.hist.get(sid);
    if (list === undefined) this.hist.set(sid, list = []);
    for (const p of points) {
      if (!(p.t <= (this.histLastT.get(sid) ?? -Infinity))) this.histLastT.set(sid, p.t);
      const i = lowerBoundH(list, p.t);
      if (list[i]?.t === p.t) continue;
      list.splice(i, 0, p);
      if (!(this.firstT[sid] <= p.t)) this.firstT[sid] = p.t;
      this.#seen(p.t);
    }
    const P = this.opts.partitionMs;
    const newest = list[list.length - 1].t;
    if (list.length >= CHUNK_SAMPLES_MAX) this.#flushHist(sid, Infinity);
    else if (partitionOf(list[0].t, P) < partitionOf(newest, P)) {
      this.#flushHist(sid, partitionOf(newest, P) * P);
    }
  }

  /** Flushes histogram points with t < beforeT as chunks, one per partition. */
  #flushHist(sid: number, beforeT: number): void {
    const list = this.hist.get(sid);
    if (list === undefined) return;
    const P = this.opts.partitionMs;
    let i = 0;
    while (i < list.length && list[i].t < beforeT) {
      const p = partitionOf(list[i].t, P);
      let j = i;
      while (j < list.length && list[j].t < beforeT && partitionOf(list[j].t, P) === p) j++;
      const pts = list.slice(i, j);
      this.#pushPending({
        sid,
        partition: p,
        minT: pts[0].t,
        maxT: pts[pts.length - 1].t,
        kind: CHUNK_KIND_HIST,
        bytes: encodeHistChunk(pts),
      });
      i = j;
    }
    const rest = list.slice(i);
    if (rest.length === 0) this.hist.delete(sid);
    else this.hist.set(sid, rest);
  }

  #pushPending(c: ClosedChunk): void {
    this.pending.push(c);
    let l = this.pendingBySid.get(c.sid);
    if (l === undefined) this.pendingBySid.set(c.sid, l = []);
    l.push(c);
  }

  /** Total closed chunks ever queued (flushed + pending). */
  pendingTotal(): number {
    return this.pendingBase + this.pending.length;
  }

  /** Forgets the first `n` pending chunks once they are durable in KV. */
  dropPending(n: number): void {
    for (let i = 0; i < n; i++) {
      const c = this.pending[i];
      this.onFlushed?.(c);
      const l = this.pendingBySid.get(c.sid);
      if (l !== undefined) {
        const k = l.indexOf(c);
        if (k >= 0) l.splice(k, 1);
        if (l.length === 0) this.pendingBySid.delete(c.sid);
      }
    }
    this.pending = this.pending.slice(n);
    this.pendingBase += n;
  }

  #addExemplar(sid: number, ex: Exemplar): void {
    const max = this.opts.exemplarsMax;
    if (max <= 0) return;
    const entry = { sid, ex };
    if (this.exemplars.length < max) this.exemplars.push(entry);
    else this.exemplars[this.exemplarNext] = entry;
    this.exemplarNext = (this.exemplarNext + 1) % max;
  }

  #addMetadata(m: MetricMetadata): void {
    let list = this.metadata.get(m.metric);
    if (list === undefined) this.metadata.set(m.metric, list = []);
    if (list.some((x) => x.type === m.type && x.help === m.help && x.unit === m.unit)) return;
    list.push(m);
    if (list.length > METADATA_PER_METRIC_MAX) list.shift();
  }

  /** True when the metadata entry is already known (nothing to write). */
  hasMetadata(m: MetricMetadata): boolean {
    const list = this.metadata.get(m.metric);
    return list !== undefined &&
      list.some((x) => x.type === m.type && x.help === m.help && x.unit === m.unit);
  }
}

function lowerBoundH(list: readonly HPoint[], t: number): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (list[m].t < t) lo = m + 1;
    else hi = m;
  }
  return lo;
}
