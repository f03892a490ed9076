/**
 * The KV-backed Querier: selects series through the head's postings and merges, per series,
 * KV chunks (through the chunk-list cache of chunk_lists.ts), closed chunks not yet flushed, the
 * open head chunk and the out-of-order and histogram buffers.
 */
import type { Labels } from "../model/labels.ts";
import { labelsCompare, labelsGet } from "../model/labels.ts";
import type { Matcher } from "../model/matcher.ts";
import type { FloatHistogram, HPoint } from "../model/histogram.ts";
import type { Querier, SelectHints, SeriesData, SeriesPart } from "./querier.ts";
import { ByteReader } from "./byte_buffer.ts";
import { decodeHistogram } from "./histogram_codec.ts";
import { CHUNK_KIND_HIST, coldPartitionPrefix, partitionOf } from "./keys.ts";
import {
  CHUNK_CACHE_BYTES_MAX,
  DECODED_CACHE_BYTES_MAX,
  OPEN_DECODED_BYTES_MAX,
} from "./limits.ts";
import { loadSeriesLabels } from "./series_blocks.ts";
import type { Workspace } from "./workspace.ts";
import { cachedLists, evictOldestList, flushLog, setCachedList, Slab } from "./chunk_lists.ts";
import { loadChunkLists } from "./chunk_blocks.ts";
import { type ChunkArena, createChunkArena, decodeXorChunk } from "../../wasm/mod.ts";

interface Piece {
  t: Float64Array;
  v: Float64Array;
}

/** Decodes a histogram chunk. */
export function decodeHistChunk(bytes: Uint8Array): HPoint[] {
  const r = new ByteReader(bytes);
  const n = r.uvarint();
  const out: HPoint[] = [];
  for (let i = 0; i < n; i++) {
    const t = r.varint();
    out.push({ t, h: decodeHistogram(r) });
  }
  return out;
}

/**
 * Per-series sources other than the open head chunk and one partition's KV list: rare (pending
 * chunks, out-of-order buffers, histograms, more partitions), merged by the general path.
 */
interface Extra {
  /** KV chunk lists of further partitions, ascending (tagged bytes, see chunk_lists.ts). */
  kvLists: Uint8Array[][];
  /** Pending closed chunks' bytes, oldest first. */
  pendingChunks: Uint8Array[];
  /** Decoded extra pieces (the out-of-order buffer). */
  pieces: Piece[];
  hist: HPoint[][];
}

/**
 * What one select gathers before merging, by position (ascending series id): labels, the open
 * head chunk's bytes (as an index into one copied block), the first KV list and the rare extras.
 */
interface Gathered {
  sids: number[];
  labels: Labels[];
  /** Index of the series' open head chunk in `headOff`, or -1. */
  head: number[];
  /** The open head chunks' bytes, copied out of the head's arena in one block. */
  headData: Uint8Array;
  /** Chunk i is headData[headOff[i], headOff[i + 1]). */
  headOff: Uint32Array;
  kv: (Uint8Array[] | undefined)[];
  extra: (Extra | undefined)[];
  /** The open chunk's cached decoded columns, when still current. */
  hit: (OpenEntry | undefined)[];
  /** Open chunk k's first and last timestamps and sample count when its bytes were copied. */
  headMinT: Float64Array;
  headMaxT: Float64Array;
  headCount: Uint16Array;
  openCache: OpenChunkCache;
}

function newExtra(): Extra {
  return { kvLists: [], pendingChunks: [], pieces: [], hist: [] };
}

/** Open head chunks decoded per WASM call when merging (bounds the decode buffer). */
const HEAD_DECODE_SERIES = 1024;

/** Reads one workspace (see Querier). */
export class KvQuerier implements Querier {
  readonly #ws: Workspace;

  constructor(ws: Workspace) {
    this.#ws = ws;
  }

  /** Series ids matching the matchers with data overlapping the range. */
  #sids(matchers: readonly Matcher[], hints: SelectHints): number[] {
    const h = this.#ws.head;
    const out: number[] = [];
    const hist = h.histLastT.size > 0 ? h.histLastT : undefined;
    for (const sid of h.postings.select(matchers)) {
      const first = h.firstT[sid];
      let last = h.lastT[sid];
      if (Number.isNaN(last)) last = -Infinity;
      if (hist !== undefined) last = Math.max(last, hist.get(sid) ?? -Infinity);
      if (Number.isNaN(first) || first > hints.maxT || last < hints.minT) continue;
      out.push(sid);
    }
    return out;
  }

  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<SeriesData[]> {
    const ws = this.#ws, h = ws.head;
    const sids = this.#sids(matchers, hints);
    const { minT, maxT } = hints;
    // 1. Head data, snapshotted synchronously (before KV, so a concurrent flush is seen twice
    // at worst, never missed). Map lookups only when the head has such data at all.
    const n = sids.length;
    const labels: Labels[] = new Array(n);
    const head: number[] = new Array(n);
    const extra: (Extra | undefined)[] = new Array(n).fill(undefined);
    const slots: number[] = [], hit: (OpenEntry | undefined)[] = new Array(n).fill(undefined);
    const openCache = openCacheOf(h);
    const pending = h.pendingBySid.size > 0, ooo = h.ooo.size > 0, hists = h.hist.size > 0;
    for (let i = 0; i < n; i++) {
      const sid = sids[i];
      labels[i] = h.labels[sid]!;
      let x: Extra | undefined;
      if (pending) {
        for (const c of h.pendingBySid.get(sid) ?? []) {
          if (c.maxT < minT || c.minT > maxT) continue;
          x ??= newExtra();
          if (c.kind === CHUNK_KIND_HIST) x.hist.push(decodeHistChunk(c.bytes));
          else x.pendingChunks.push(c.bytes);
        }
      }
      if (h.chunkCount[sid] > 0 && h.chunkMaxT[sid] >= minT && h.chunkMinT[sid] <= maxT) {
        head[i] = slots.length;
        slots.push(h.slot[sid]);
        hit[i] = openCache.get(sid, h.chunkMinT[sid], h.chunkMaxT[sid], h.chunkCount[sid]);
      } else head[i] = -1;
      const buf = ooo ? h.ooo.get(sid) : undefined;
      if (buf) (x ??= newExtra()).pieces.push(buf.columns());
      const hl = hists ? h.hist.get(sid) : undefined;
      if (hl && hl.length > 0) (x ??= newExtra()).hist.push(hl.slice());
      extra[i] = x;
    }
    // The open chunks' bytes in one call, copied: the arena's views end at its next call, and
    // appends may run while this select awaits KV.
    let headData = new Uint8Array(0), headOff = new Uint32Array(1);
    if (slots.length > 0) {
      const many = h.arena.bytesManyView(Uint32Array.from(slots));
      headData = many.data.slice();
      headOff = many.offsets.slice();
    }
    const headMinT = new Float64Array(slots.length), headMaxT = new Float64Array(slots.length);
    const headCount = new Uint16Array(slots.length);
    for (let i = 0; i < n; i++) {
      const k = head[i], sid = sids[i];
      if (k < 0) continue;
      headMinT[k] = h.chunkMinT[sid];
      headMaxT[k] = h.chunkMaxT[sid];
      headCount[k] = h.chunkCount[sid];
    }
    const g: Gathered = {
      sids,
      labels,
      head,
      headData,
      headOff,
      kv: new Array(n).fill(undefined),
      extra,
      hit,
      headMinT,
      headMaxT,
      headCount,
      openCache,
    };
    // 2. Cold series (evicted from memory, data only in KV).
    const cold = await this.#coldSeries(matchers, hints);
    if (cold.length > 0) addCold(g, cold);
    // 3. KV chunks, partition by partition.
    if (g.sids.length > 0) await this.#readKv(g, minT, maxT);
    // 4. Merge: immutable chunks through the decoded-chunk cache, the open chunks decoded in
    // batches, the columns copied into shared slab blocks.
    const out = mergeAll(g, minT, maxT);
    const found = { dups: false };
    const sorted = sortByLabels(out, { owner: ws, key: matchers.map(String).join(",") }, found);
    // Only a series that went cold and came back can have two ids with the same labels.
    return found.dups ? mergeSameLabels(sorted, minT, maxT) : sorted;
  }

  /**
   * Cold series matching the matchers with data in the range, from the cold index (partitions
   * in range only) and their series records (through a bounded labels cache).
   */
  async #coldSeries(
    matchers: readonly Matcher[],
    hints: SelectHints,
  ): Promise<{ sid: number; labels: Labels }[]> {
    const ws = this.#ws, h = ws.head, P = ws.partitionMs;
    const lo = Math.max(hints.minT, h.minT), hi = Math.min(hints.maxT, h.coldMaxT);
    if (!(lo <= hi)) return [];
    const found = new Set<number>();
    for (let p = partitionOf(lo, P); p <= partitionOf(hi, P); p++) {
      for await (const e of ws.kv.list({ prefix: [...coldPartitionPrefix(ws.id), p] })) {
        const sid = e.key[5] as number;
        if (h.labels[sid] === undefined) found.add(sid);
      }
    }
    const out: { sid: number; labels: Labels }[] = [];
    const missing: number[] = [];
    const take = (sid: number, labels: Labels) => {
      if (matchers.every((m) => m.matches(labelsGet(labels, m.name)))) out.push({ sid, labels });
    };
    for (const sid of found) {
      const labels = ws.coldLabels.get(sid);
      if (labels === undefined) missing.push(sid);
      else take(sid, labels);
    }
    // Series records are packed by id range (series_blocks.ts): one list per range of buckets.
    for (const [sid, labels] of await loadSeriesLabels(ws.kv, ws.id, missing)) {
      ws.rememberColdLabels(sid, labels);
      take(sid, labels);
    }
    out.sort((a, b) => a.sid - b.sid);
    return out;
  }

  async #readKv(g: Gathered, minT: number, maxT: number): Promise<void> {
    const sids = g.sids;
    const ws = this.#ws, h = ws.head, P = ws.partitionMs;
    const pMin = partitionOf(Math.max(minT, h.minT), P);
    const pMax = partitionOf(Math.min(maxT, h.maxT), P);
    if (!(pMin <= pMax)) return;
    // Every partition's lists are cached; flushes keep them exact (see chunk_lists.ts).
    const log = flushLog(ws);
    let at = 0; // position of the last series added: calls come in ascending id order
    const add = (sid: number, list: Uint8Array[]) => {
      // Nothing of the series in this partition (a flush landing here meanwhile was pending or
      // in the open chunk when the head was read, so it is read from there).
      if (list.length === 0) return;
      if (!(sids[at] <= sid)) at = 0;
      while (at < sids.length && sids[at] !== sid) at++;
      if (at === sids.length) throw new Error(`BUG: KV list of unselected series ${sid}`);
      if (g.kv[at] === undefined) g.kv[at] = list;
      else (g.extra[at] ??= newExtra()).kvLists.push(list);
      for (const c of list) {
        if (c[0] === CHUNK_KIND_HIST) {
          (g.extra[at] ??= newExtra()).hist.push(decodeHistChunk(c.subarray(1)));
        }
      }
    };
    for (let p = pMin; p <= pMax; p++) {
      const todo: number[] = [];
      const cached = cachedLists(ws, p);
      for (const sid of sids) {
        // Evicted first in, first out: refreshing an LRU position per series per query costs
        // more than the occasional refetch.
        const hit = cached(sid);
        if (hit === undefined) todo.push(sid);
        else add(sid, hit);
      }
      if (todo.length === 0) continue;
      const seq0 = log.seq;
      const found = await loadChunkLists(ws.kv, ws.id, p, todo);
      for (const sid of todo) {
        const list = found.get(sid) ?? [];
        add(sid, list);
        // A flush of this series since the read began may be missing from what was read.
        if ((log.lastBySid.get(sid) ?? 0) > seq0) continue;
        setCachedList(ws, p, sid, list);
      }
      while (ws.chunkCacheBytes > CHUNK_CACHE_BYTES_MAX) evictOldestList(ws);
    }
  }

  async labelNames(matchers: readonly Matcher[], hints: SelectHints): Promise<string[]> {
    const h = this.#ws.head;
    const names = new Set<string>();
    for (const sid of this.#sids(matchers, hints)) {
      for (const l of h.labels[sid]!) names.add(l.name);
    }
    for (const c of await this.#coldSeries(matchers, hints)) {
      for (const l of c.labels) names.add(l.name);
    }
    return [...names].sort();
  }

  async labelValues(
    name: string,
    matchers: readonly Matcher[],
    hints: SelectHints,
  ): Promise<string[]> {
    const h = this.#ws.head;
    const values = new Set<string>();
    for (const sid of this.#sids(matchers, hints)) {
      for (const l of h.labels[sid]!) if (l.name === name) values.add(l.value);
    }
    for (const c of await this.#coldSeries(matchers, hints)) {
      for (const l of c.labels) if (l.name === name) values.add(l.value);
    }
    return [...values].sort();
  }
}

const EMPTY = new Float64Array(0);

/** Decoded columns of one immutable chunk (owned by the decoded-chunk cache: never mutate). */
interface DecodedChunk {
  t: Float64Array;
  v: Float64Array;
  ascending: boolean;
  noNaN: boolean;
}

/**
 * Decoded columns of immutable chunks, first in first out within DECODED_CACHE_BYTES_MAX, so
 * repeated queries do not decode again: a KV chunk list (by identity; the flush hook only
 * appends, so a longer list is decoded again) or a pending chunk's bytes.
 */
const decoded = new Map<object, DecodedChunk & { count: number }>();
let decodedBytes = 0;

/**
 * The oldest entry of `decoded`, through one iterator kept across evictions: a fresh
 * `entries()` per eviction would step over every slot deleted since the map's table was last
 * rebuilt, which made evicting tens of thousands of entries take seconds.
 */
let decodedHand: Iterator<[object, DecodedChunk & { count: number }]> | undefined;

function oldestDecoded(): [object, DecodedChunk & { count: number }] {
  let r = (decodedHand ??= decoded.entries()).next();
  if (r.done) r = (decodedHand = decoded.entries()).next();
  return r.value!;
}

function decodedChunks(arena: ChunkArena, key: Uint8Array[] | Uint8Array): DecodedChunk {
  const count = Array.isArray(key) ? key.length : 1;
  let d = decoded.get(key);
  if (d !== undefined && d.count === count) return d;
  if (d !== undefined) {
    decoded.delete(key);
    decodedBytes -= d.t.length * 16 + 64;
  }
  let x: { t: Float64Array; v: Float64Array };
  if (Array.isArray(key)) {
    const xor: Uint8Array[] = [];
    for (const c of key) if (c[0] !== CHUNK_KIND_HIST) xor.push(c.subarray(1));
    x = xor.length > 0 ? arena.decodeMany(xor) : { t: EMPTY, v: EMPTY };
  } else x = arena.decodeBytes(key);
  const t = x.t.slice(), v = x.v.slice();
  const shape = columnsShape(t, v);
  d = { t, v, ascending: shape !== 0, noNaN: shape === 2, count };
  decoded.set(key, d);
  decodedBytes += t.length * 16 + 64;
  while (decodedBytes > DECODED_CACHE_BYTES_MAX) {
    const [k, old] = oldestDecoded();
    decoded.delete(k);
    decodedBytes -= old.t.length * 16 + 64;
  }
  return d;
}

/** First index with t[i] >= x. */
function lowerBound(t: Float64Array, x: number): number {
  let lo = 0, hi = t.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (t[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** First index in [lo, hi) with t[i] >= x (hi when none). */
function lowerBoundIn(t: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (t[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * Every gathered series' samples in [minT, maxT]. Series with only an open head chunk and one
 * KV list (the usual case) take the fast path: the KV list's columns from the decoded-chunk
 * cache and the open chunks decoded HEAD_DECODE_SERIES at a time in one WASM call, copied into
 * slab views with the order and NaN checks done while copying. Others go through mergeSeries.
 */
function mergeAll(g: Gathered, minT: number, maxT: number): SeriesData[] {
  const out: SeriesData[] = [];
  const slab = new Slab();
  const arena = readArena();
  const n = g.sids.length, { headData, headOff } = g;
  const batch: number[] = [];
  const kvd: (DecodedChunk | undefined)[] = [];
  const views: Uint8Array[] = [];
  const flush = () => {
    // Immutable chunks first: decoding them (on a cache miss) reuses the arena's buffers.
    for (let j = 0; j < batch.length; j++) {
      const list = g.kv[batch[j]];
      kvd[j] = list !== undefined && list.length > 0 ? decodedChunks(arena, list) : undefined;
    }
    let dt: Float64Array = EMPTY, dv: Float64Array = EMPTY;
    views.length = 0;
    for (const i of batch) {
      const k = g.head[i];
      if (k >= 0 && g.hit[i] === undefined) {
        views.push(headData.subarray(headOff[k], headOff[k + 1]));
      }
    }
    if (views.length > 0) ({ t: dt, v: dv } = arena.decodeMany(views));
    let a = 0; // start of the current series' open-chunk samples in dt/dv
    for (let j = 0; j < batch.length; j++) {
      const i = batch[j], k = g.head[i], e = g.hit[i];
      let s: SeriesData | undefined;
      if (e !== undefined) {
        s = mergeFast(g.labels[i], kvd[j], e.t, e.v, 0, e.t.length, minT, maxT, slab, e);
      } else {
        let b = a;
        if (k >= 0) b += (headData[headOff[k]] << 8) | headData[headOff[k] + 1];
        if (b > dt.length) throw new RangeError("BUG: open chunk decoded to fewer samples");
        const owned = k >= 0
          ? g.openCache.offer(g.sids[i], g.headMinT[k], g.headMaxT[k], g.headCount[k], dt, dv, a, b)
          : undefined;
        s = owned
          ? mergeFast(
            g.labels[i],
            kvd[j],
            owned.t,
            owned.v,
            0,
            owned.t.length,
            minT,
            maxT,
            slab,
            owned,
          )
          : mergeFast(g.labels[i], kvd[j], dt, dv, a, b, minT, maxT, slab);
        a = b;
      }
      if (s !== undefined) out.push(s);
    }
    if (a !== dt.length) throw new RangeError("BUG: open chunks decoded to more samples");
    batch.length = 0;
  };
  const slow: number[] = [];
  for (let i = 0; i < n; i++) {
    if (g.extra[i] !== undefined) {
      slow.push(i);
      continue;
    }
    batch.push(i);
    if (batch.length === HEAD_DECODE_SERIES) flush();
  }
  if (batch.length > 0) flush();
  for (const i of slow) {
    const x = g.extra[i]!, k = g.head[i];
    const lists = g.kv[i] !== undefined ? [g.kv[i]!, ...x.kvLists] : x.kvLists;
    const headChunk = k >= 0 ? headData.subarray(headOff[k], headOff[k + 1]) : undefined;
    const { t, v, noNaN } = mergeSeries(lists, headChunk, x, arena, slab, minT, maxT);
    let ht: Float64Array | undefined, hs: FloatHistogram[] | undefined;
    if (x.hist.length > 0) {
      const m = mergeHist(x.hist, minT, maxT);
      if (m.length > 0) {
        ht = Float64Array.from(m, (p) => p.t);
        hs = m.map((p) => p.h);
      }
    }
    if (t.length === 0 && ht === undefined) continue;
    out.push(ht ? { labels: g.labels[i], t, v, ht, h: hs } : { labels: g.labels[i], t, v, noNaN });
  }
  return out;
}

/**
 * One series from at most one decoded KV list `d` and its open chunk's samples
 * `dt`/`dv`[a, b) (views into the arena, so they are copied), or undefined when it has no
 * sample in [minT, maxT].
 */
function mergeFast(
  labels: Labels,
  d: DecodedChunk | undefined,
  dt: Float64Array,
  dv: Float64Array,
  a: number,
  b: number,
  minT: number,
  maxT: number,
  slab: Slab,
  owned?: OpenEntry,
): SeriesData | undefined {
  let lo = 0, hi = 0;
  if (d !== undefined && d.t.length > 0) {
    const t = d.t, len = t.length;
    lo = t[0] >= minT ? 0 : lowerBoundIn(t, 0, len, minT);
    hi = t[len - 1] <= maxT ? len : lowerBoundIn(t, lo, len, maxT + 1);
    if (hi < lo) hi = lo;
  }
  if (b > a) {
    if (dt[a] < minT) a = lowerBoundIn(dt, a, b, minT);
    if (b > a && dt[b - 1] > maxT) b = lowerBoundIn(dt, a, b, maxT + 1);
  }
  const nk = hi - lo, nh = b > a ? b - a : 0;
  if (nk + nh === 0) return undefined;
  if (nh === 0) {
    // Cached columns only: handed out as they are (readers never write columns).
    const whole = lo === 0 && hi === d!.t.length;
    return {
      labels,
      t: whole ? d!.t : d!.t.subarray(lo, hi),
      v: whole ? d!.v : d!.v.subarray(lo, hi),
      noNaN: d!.noNaN && d!.ascending,
    };
  }
  if (
    owned !== undefined && owned.ascending && (nk === 0 || (d!.ascending && dt[a] > d!.t[hi - 1]))
  ) {
    // The open chunk's columns are cache-owned (never written): handed out without a copy.
    const whole = a === 0 && b === dt.length;
    const head = { t: whole ? dt : dt.subarray(a, b), v: whole ? dv : dv.subarray(a, b) };
    if (nk === 0) return { labels, t: head.t, v: head.v, noNaN: owned.noNaN };
    const kWhole = lo === 0 && hi === d!.t.length;
    const kt = kWhole ? d!.t : d!.t.subarray(lo, hi), kv = kWhole ? d!.v : d!.v.subarray(lo, hi);
    return new TwoPartSeries(labels, d!.noNaN && owned.noNaN, { t: kt, v: kv }, head);
  }
  if (nk > 0 && d!.ascending && dt[a] > d!.t[hi - 1]) {
    // Two ordered parts: the cached columns as they are and a copy of the open chunk's part.
    const t = slab.take(nh), v = slab.take(nh);
    let noNaN = d!.noNaN, ordered = true, prev = -Infinity;
    for (let i = 0; i < nh; i++) {
      const x = dt[a + i], y = dv[a + i];
      if (!(x > prev)) ordered = false;
      if (y !== y) noNaN = false;
      prev = x;
      t[i] = x;
      v[i] = y;
    }
    if (ordered) {
      const whole = lo === 0 && hi === d!.t.length;
      const kt = whole ? d!.t : d!.t.subarray(lo, hi), kv = whole ? d!.v : d!.v.subarray(lo, hi);
      return new TwoPartSeries(labels, noNaN, { t: kt, v: kv }, { t, v });
    }
  }
  const t = slab.take(nk + nh), v = slab.take(nk + nh);
  let noNaN = true, ordered = true, prev = -Infinity;
  if (nk > 0) {
    const kt = d!.t, kv = d!.v;
    for (let i = 0; i < nk; i++) {
      t[i] = kt[lo + i];
      v[i] = kv[lo + i];
    }
    noNaN = d!.noNaN;
    ordered = d!.ascending;
    prev = kt[hi - 1];
  }
  for (let i = 0; i < nh; i++) {
    const x = dt[a + i], y = dv[a + i];
    if (!(x > prev)) ordered = false;
    if (y !== y) noNaN = false;
    prev = x;
    t[nk + i] = x;
    v[nk + i] = y;
  }
  if (!ordered) {
    const m = mergePieces([{ t, v }], minT, maxT);
    return { labels, t: m.t, v: m.v, noNaN: false };
  }
  return { labels, t, v, noNaN };
}

/**
 * A series read as two ordered parts (cached KV columns, then the open chunk's samples): `t`
 * and `v` are joined on first read; kernels take the parts (SeriesData.parts). They are
 * prototype accessors, so an object spread of this drops them: read them by name.
 */
class TwoPartSeries implements SeriesData {
  readonly parts: readonly SeriesPart[];
  #t: Float64Array | undefined;
  #v: Float64Array | undefined;

  constructor(readonly labels: Labels, readonly noNaN: boolean, a: SeriesPart, b: SeriesPart) {
    this.parts = [a, b];
  }

  get t(): Float64Array {
    if (this.#t === undefined) this.#join();
    return this.#t!;
  }

  get v(): Float64Array {
    if (this.#v === undefined) this.#join();
    return this.#v!;
  }

  #join(): void {
    const [a, b] = this.parts;
    const t = new Float64Array(a.t.length + b.t.length), v = new Float64Array(t.length);
    t.set(a.t);
    t.set(b.t, a.t.length);
    v.set(a.v);
    v.set(b.v, a.v.length);
    this.#t = t;
    this.#v = v;
  }
}

/**
 * One series' float samples in [minT, maxT] from KV lists, pending chunks, the open chunk and
 * the out-of-order buffer: concatenated into slab views when they follow each other in time,
 * else merged by mergePieces.
 */
function mergeSeries(
  kvLists: Uint8Array[][],
  headChunk: Uint8Array | undefined,
  x: Extra,
  arena: ChunkArena,
  slab: Slab,
  minT: number,
  maxT: number,
): { t: Float64Array; v: Float64Array; noNaN: boolean } {
  const parts: { t: Float64Array; v: Float64Array }[] = [];
  let ordered = x.pieces.length === 0, noNaN = true, n = 0, lastT = -Infinity;
  const take = (d: DecodedChunk) => {
    const lo = lowerBound(d.t, minT);
    const hi = d.t.length > 0 && d.t[d.t.length - 1] <= maxT
      ? d.t.length
      : lowerBound(d.t, maxT + 1);
    if (hi <= lo) return;
    const t = lo === 0 && hi === d.t.length ? d.t : d.t.subarray(lo, hi);
    const v = lo === 0 && hi === d.t.length ? d.v : d.v.subarray(lo, hi);
    if (!d.ascending || !(t[0] > lastT)) ordered = false;
    lastT = t[t.length - 1];
    if (!d.noNaN) noNaN = false;
    n += t.length;
    parts.push({ t, v });
  };
  for (const list of kvLists) if (list.length > 0) take(decodedChunks(arena, list));
  for (const c of x.pendingChunks) take(decodedChunks(arena, c));
  // Only cached columns so far: one part is returned as it is (readers never write columns).
  if (headChunk === undefined && ordered && parts.length === 1) {
    return { t: parts[0].t, v: parts[0].v, noNaN };
  }
  // Decoded last: its columns are views into the arena, valid until its next call.
  if (headChunk !== undefined) {
    const d = arena.decodeMany([headChunk], minT, maxT);
    if (d.t.length > 0) {
      const shape = columnsShape(d.t, d.v);
      if (shape === 0 || !(d.t[0] > lastT)) ordered = false;
      if (shape !== 2) noNaN = false;
      n += d.t.length;
      parts.push({ t: d.t, v: d.v });
    }
  }
  if (!ordered) {
    const { t, v } = mergePieces([...parts, ...x.pieces], minT, maxT);
    return { t, v, noNaN: false };
  }
  if (n === 0) return { t: EMPTY, v: EMPTY, noNaN: true };
  const t = slab.take(n), v = slab.take(n);
  let o = 0;
  for (const p of parts) {
    t.set(p.t, o);
    v.set(p.v, o);
    o += p.t.length;
  }
  return { t, v, noNaN };
}

/** Adds cold series (ascending ids) to what was gathered, keeping positions in id order. */
function addCold(g: Gathered, cold: { sid: number; labels: Labels }[]): void {
  const known = new Set(g.sids);
  const add = cold.filter((c) => !known.has(c.sid)); // went cold while this select ran
  if (add.length === 0) return;
  const n = g.sids.length + add.length;
  const sids: number[] = [], labels: Labels[] = [], head: number[] = [];
  const kv: (Uint8Array[] | undefined)[] = [], extra: (Extra | undefined)[] = [];
  let i = 0, j = 0;
  while (sids.length < n) {
    if (j >= add.length || (i < g.sids.length && g.sids[i] < add[j].sid)) {
      sids.push(g.sids[i]);
      labels.push(g.labels[i]);
      head.push(g.head[i]);
      kv.push(g.kv[i]);
      extra.push(g.extra[i]);
      i++;
    } else {
      sids.push(add[j].sid);
      labels.push(add[j].labels);
      head.push(-1);
      kv.push(undefined);
      extra.push(undefined);
      j++;
    }
  }
  Object.assign(g, { sids, labels, head, kv, extra });
}

/** An open head chunk's decoded columns (owned by the cache: never written). */
interface OpenEntry {
  minT: number;
  maxT: number;
  count: number;
  t: Float64Array;
  v: Float64Array;
  ascending: boolean;
  noNaN: boolean;
  /** Read since the clock hand last passed (second chance). */
  ref: boolean;
  bytes: number;
}

/**
 * Decoded open head chunks of one workspace by series id, valid while the chunk's first and
 * last timestamps and sample count are unchanged (appends only add samples, so these fix its
 * content), within OPEN_DECODED_BYTES_MAX. When full, a clock hand passes over one entry per
 * new chunk offered, giving read ones a second chance and evicting the others: a working set
 * larger than the cache keeps a stable part of it cached rather than cycling all of it through.
 */
class OpenChunkCache {
  readonly #entries = new Map<number, OpenEntry>();
  #bytes = 0;
  #hand: Iterator<[number, OpenEntry]> | undefined;

  /** The entry of `sid` if its chunk is still the one cached. */
  get(sid: number, minT: number, maxT: number, count: number): OpenEntry | undefined {
    const e = this.#entries.get(sid);
    if (e === undefined || e.count !== count || e.minT !== minT || e.maxT !== maxT) return;
    e.ref = true;
    return e;
  }

  /** Caches a copy of `t`/`v`[a, b) for `sid` if there is room; returns the entry or undefined. */
  offer(
    sid: number,
    minT: number,
    maxT: number,
    count: number,
    t: Float64Array,
    v: Float64Array,
    a: number,
    b: number,
  ): OpenEntry | undefined {
    const bytes = (b - a) * 16 + 96;
    const old = this.#entries.get(sid);
    if (old !== undefined) {
      this.#entries.delete(sid);
      this.#bytes -= old.bytes;
    }
    if (this.#bytes + bytes > OPEN_DECODED_BYTES_MAX) this.#sweep();
    if (this.#bytes + bytes > OPEN_DECODED_BYTES_MAX) return undefined;
    const ct = t.slice(a, b), cv = v.slice(a, b);
    const shape = columnsShape(ct, cv);
    const e: OpenEntry = {
      minT,
      maxT,
      count,
      t: ct,
      v: cv,
      ascending: shape !== 0,
      noNaN: shape === 2,
      ref: false,
      bytes,
    };
    this.#entries.set(sid, e);
    this.#bytes += bytes;
    return e;
  }

  /** Moves the hand one entry: clears its second chance, or evicts it if it has none. */
  #sweep(): void {
    if (this.#entries.size === 0) return;
    let r = (this.#hand ??= this.#entries.entries()).next();
    if (r.done) r = (this.#hand = this.#entries.entries()).next();
    const [sid, e] = r.value as [number, OpenEntry];
    if (e.ref) e.ref = false;
    else {
      this.#entries.delete(sid);
      this.#bytes -= e.bytes;
    }
  }
}

const openCaches = new WeakMap<object, OpenChunkCache>();

function openCacheOf(head: object): OpenChunkCache {
  let c = openCaches.get(head);
  if (c === undefined) openCaches.set(head, c = new OpenChunkCache());
  return c;
}

/**
 * Each label set's sort key: names and values joined with NUL, whose string order is
 * labelsCompare's order (NUL sorts below every other character); undefined when a name or value
 * contains NUL itself. Keyed by the head's (stable) label objects.
 */
const sortKeys = new WeakMap<Labels, string | null>();

function sortKey(labels: Labels): string | null {
  let k = sortKeys.get(labels);
  if (k !== undefined) return k;
  k = "";
  for (const l of labels) {
    if (l.name.includes("\0") || l.value.includes("\0")) {
      k = null;
      break;
    }
    k += l.name + "\0" + l.value + "\0";
  }
  sortKeys.set(labels, k);
  return k;
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  // From the end: the last labels tell series of one metric apart soonest.
  for (let i = a.length - 1; i >= 0; i--) {
    if (a[i].value !== b[i].value || a[i].name !== b[i].name) return false;
  }
  return true;
}

/**
 * The last order computed per workspace and matchers: the label objects in input order and
 * their sorted permutation. A repeated select over unchanged series reuses it.
 */
const lastOrder = new WeakMap<
  object,
  Map<string, { labels: Labels[]; perm: Int32Array; dups: boolean }>
>();

/**
 * Sorts series by labels (labelsCompare order) through cached string keys; with `memo` (an
 * owner and a key), reuses the previous permutation when the same label objects come in again.
 * Sets `found.dups` when two series have the same labels (then adjacent).
 */
export function sortByLabels(
  series: SeriesData[],
  memo?: { owner: object; key: string },
  found: { dups: boolean } = { dups: false },
): SeriesData[] {
  let byKey = memo ? lastOrder.get(memo.owner) : undefined;
  const hit = memo ? byKey?.get(memo.key) : undefined;
  if (hit !== undefined && hit.labels.length === series.length) {
    let same = true;
    for (let i = 0; i < series.length; i++) {
      if (hit.labels[i] !== series[i].labels) {
        same = false;
        break;
      }
    }
    if (same) {
      found.dups = hit.dups;
      const out: SeriesData[] = new Array(series.length);
      for (let i = 0; i < out.length; i++) out[i] = series[hit.perm[i]];
      return out;
    }
  }
  const keys = series.map((s) => sortKey(s.labels));
  const idx = Array.from(series, (_, i) => i);
  idx.sort((i, j) => {
    const a = keys[i], b = keys[j];
    if (a !== null && b !== null) return a < b ? -1 : a > b ? 1 : 0;
    return labelsCompare(series[i].labels, series[j].labels);
  });
  found.dups = false;
  for (let x = 1; x < idx.length; x++) {
    const a = keys[idx[x - 1]], b = keys[idx[x]];
    if (
      a !== null && b !== null
        ? a === b
        : labelsCompare(series[idx[x - 1]].labels, series[idx[x]].labels) === 0
    ) {
      found.dups = true;
      break;
    }
  }
  if (memo) {
    if (byKey === undefined) lastOrder.set(memo.owner, byKey = new Map());
    if (byKey.size >= SORT_MEMO_KEYS_MAX) byKey.delete(byKey.keys().next().value!);
    byKey.set(memo.key, {
      labels: series.map((s) => s.labels),
      perm: Int32Array.from(idx),
      dups: found.dups,
    });
  }
  return idx.map((i) => series[i]);
}

/** Selector shapes whose last order is remembered per workspace. */
const SORT_MEMO_KEYS_MAX = 64;

/** 0 when the timestamps are not strictly increasing, else 1, or 2 when no value is NaN. */
function columnsShape(t: Float64Array, v: Float64Array): number {
  let nan = false;
  for (let i = 0; i < t.length; i++) {
    if (i > 0 && !(t[i] > t[i - 1])) return 0;
    const x = v[i];
    if (x !== x) nan = true;
  }
  return nan ? 1 : 2;
}

let reader: ChunkArena | undefined;

/** The WASM instance used for decoding reads (its output views live until its next call). */
function readArena(): ChunkArena {
  return reader ??= createChunkArena();
}

/**
 * Merges sample pieces into one ascending column pair within [minT, maxT]; on equal timestamps
 * the earlier piece wins (pieces come in source order).
 */
export function mergePieces(
  pieces: Piece[],
  minT: number,
  maxT: number,
): { t: Float64Array; v: Float64Array } {
  let n = 0;
  for (const p of pieces) n += p.t.length;
  const t = new Float64Array(n), v = new Float64Array(n);
  const src = new Int32Array(n);
  let k = 0, sorted = true, prev = -Infinity;
  for (let pi = 0; pi < pieces.length; pi++) {
    const p = pieces[pi];
    for (let i = 0; i < p.t.length; i++) {
      const x = p.t[i];
      if (x < minT || x > maxT) continue;
      if (x <= prev) sorted = false;
      prev = x;
      t[k] = x;
      v[k] = p.v[i];
      src[k] = k;
      k++;
    }
  }
  if (sorted) return { t: t.slice(0, k), v: v.slice(0, k) };
  const idx = Array.from(src.subarray(0, k));
  idx.sort((a, b) => t[a] - t[b] || a - b);
  const ot = new Float64Array(k), ov = new Float64Array(k);
  let m = 0;
  for (const i of idx) {
    if (m > 0 && ot[m - 1] === t[i]) continue;
    ot[m] = t[i];
    ov[m] = v[i];
    m++;
  }
  return { t: ot.slice(0, m), v: ov.slice(0, m) };
}

function mergeHist(lists: HPoint[][], minT: number, maxT: number): HPoint[] {
  const all: HPoint[] = [];
  for (const l of lists) for (const p of l) if (p.t >= minT && p.t <= maxT) all.push(p);
  all.sort((a, b) => a.t - b.t);
  const out: HPoint[] = [];
  for (const p of all) if (out.length === 0 || out[out.length - 1].t !== p.t) out.push(p);
  return out;
}

/**
 * Every float sample of a series overlapping [minT, maxT] from all sources (head chunk, OOO
 * buffer, pending and KV chunks), one column pair per source, unsorted across sources.
 */
export async function readSeriesSamples(
  ws: Workspace,
  sid: number,
  minT: number,
  maxT: number,
  opts: { headOnlyFromOpenChunk?: boolean } = {},
): Promise<{ t: Float64Array; v: Float64Array }[]> {
  const out: { t: Float64Array; v: Float64Array }[] = [];
  const h = ws.head;
  const decode = (bytes: Uint8Array) => {
    out.push(decodeXorChunk(bytes));
  };
  let openFirstT = Infinity;
  if (sid < h.chunkCount.length && h.chunkCount[sid] > 0) {
    decode(h.arena.bytes(h.slot[sid]));
    if (out[0].t.length > 0) openFirstT = out[0].t[0];
  }
  const buf = h.ooo.get(sid);
  if (buf) out.push(buf.columns());
  for (const c of h.pendingBySid.get(sid) ?? []) {
    if (c.kind !== CHUNK_KIND_HIST && c.maxT >= minT && c.minT <= maxT) decode(c.bytes);
  }
  // Flushed in-order chunks end before the open chunk starts, and flushed out-of-order chunks
  // hold only samples older than the out-of-order window at their flush; so a range starting at
  // or after the open chunk's first sample has nothing in KV and needs no KV scan.
  if (opts.headOnlyFromOpenChunk && minT >= openFirstT) return out;
  const P = ws.partitionMs;
  for (let p = partitionOf(minT, P); p <= partitionOf(maxT, P); p++) {
    // The cached list is exact when present (chunk_lists.ts); a miss reads the series' blocks.
    const list = ws.chunkCache.get(`${p}:${sid}`) ??
      (await loadChunkLists(ws.kv, ws.id, p, [sid])).get(sid) ?? [];
    for (const c of list) if (c[0] !== CHUNK_KIND_HIST) decode(c.subarray(1));
  }
  return out;
}

/**
 * Merges adjacent entries (sorted by labels) that have the same labels: a series that went cold
 * and came back has two ids.
 */
function mergeSameLabels(sorted: SeriesData[], minT: number, maxT: number): SeriesData[] {
  const out: SeriesData[] = [];
  for (const s of sorted) {
    const prev = out[out.length - 1];
    if (prev === undefined || !sameLabels(prev.labels, s.labels)) {
      out.push(s);
      continue;
    }
    const { t, v } = mergePieces([prev, s], minT, maxT);
    const hist: HPoint[][] = [];
    for (const x of [prev, s]) {
      if (x.ht && x.h) hist.push(Array.from(x.ht, (t, i) => ({ t, h: x.h![i] })));
    }
    const m = mergeHist(hist, minT, maxT);
    out[out.length - 1] = m.length > 0
      ? { labels: s.labels, t, v, ht: Float64Array.from(m, (p) => p.t), h: m.map((p) => p.h) }
      : { labels: s.labels, t, v };
  }
  return out;
}
