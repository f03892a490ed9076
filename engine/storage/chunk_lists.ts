/**
 * The read side's cache of KV chunk lists, per (partition, series), kept exact for every
 * partition (not only sealed ones) so repeated queries over recent data read no KV: when the
 * head flushes a closed chunk (Head.onFlushed, after the KV commit), the chunk is appended to
 * its cached list. A list read from KV is cached only if no chunk of its series was flushed
 * since the read began (the flush log's sequence numbers), so a read that raced a flush never
 * leaves an incomplete list behind. Lists live in `Workspace.chunkCache` (tagged bytes: kind
 * byte, then chunk bytes), whose size is bounded by CHUNK_CACHE_BYTES_MAX.
 */
import type { ClosedChunk } from "./head.ts";
import type { Workspace } from "./workspace.ts";

/** Flush sequence numbers of one workspace. */
export interface FlushLog {
  /** Chunks flushed since the log was installed. */
  seq: number;
  /** Sequence number of each series' latest flushed chunk. */
  readonly lastBySid: Map<number, number>;
}

const logs = new WeakMap<Workspace, FlushLog>();

/** The workspace's flush log, installing the head's flush hook on first use. */
export function flushLog(ws: Workspace): FlushLog {
  let log = logs.get(ws);
  if (log !== undefined) return log;
  const l: FlushLog = { seq: 0, lastBySid: new Map() };
  ws.head.onFlushed = (c: ClosedChunk) => {
    l.seq++;
    l.lastBySid.set(c.sid, l.seq);
    const key = `${c.partition}:${c.sid}`;
    const list = ws.chunkCache.get(key);
    if (list === undefined) return;
    for (const x of list) if (sameTagged(x, c.kind, c.bytes)) return; // read after the commit
    list.push(tag(c.kind, c.bytes));
    ws.chunkCacheBytes += c.bytes.length + 1;
  };
  logs.set(ws, log = l);
  return log;
}

/**
 * `Workspace.chunkCache` indexed by partition and series id, so reads need no string keys. The
 * read path changes the cache only through setCachedList and evictOldestList, which keep the
 * index in step; when the cache's size differs from the one the index last saw, entries were
 * removed elsewhere (retention), and the index starts over.
 */
interface ListIndex {
  size: number;
  byPartition: Map<number, Map<number, Uint8Array[]>>;
  /** Where first-in-first-out eviction goes on (see evictOldestList). */
  hand?: Iterator<[string, Uint8Array[]]>;
}

const indexes = new WeakMap<Workspace, ListIndex>();

function listIndex(ws: Workspace): ListIndex {
  let x = indexes.get(ws);
  if (x === undefined || x.size !== ws.chunkCache.size) {
    indexes.set(ws, x = { size: ws.chunkCache.size, byPartition: new Map() });
  }
  return x;
}

function partitionIndex(x: ListIndex, p: number): Map<number, Uint8Array[]> {
  let m = x.byPartition.get(p);
  if (m === undefined) x.byPartition.set(p, m = new Map());
  return m;
}

/**
 * A lookup of partition `p`'s cached lists by series id, valid until the caller next awaits
 * (synchronous use only).
 */
export function cachedLists(ws: Workspace, p: number): (sid: number) => Uint8Array[] | undefined {
  const m = partitionIndex(listIndex(ws), p);
  return (sid) => {
    let l = m.get(sid);
    if (l === undefined) {
      l = ws.chunkCache.get(`${p}:${sid}`);
      if (l !== undefined) m.set(sid, l);
    }
    return l;
  };
}

/** Caches (or replaces) the list of (p, sid), keeping chunkCacheBytes. */
export function setCachedList(ws: Workspace, p: number, sid: number, list: Uint8Array[]): void {
  const x = listIndex(ws);
  const key = `${p}:${sid}`;
  const old = ws.chunkCache.get(key);
  if (old !== undefined) ws.chunkCacheBytes -= listBytes(old);
  ws.chunkCache.set(key, list);
  ws.chunkCacheBytes += listBytes(list);
  x.size = ws.chunkCache.size;
  partitionIndex(x, p).set(sid, list);
}

/** Drops the oldest cached list (first in, first out), keeping chunkCacheBytes. */
export function evictOldestList(ws: Workspace): void {
  const x = listIndex(ws);
  // One iterator kept across evictions: a fresh one would step over every deleted slot.
  let r = (x.hand ??= ws.chunkCache.entries()).next();
  if (r.done) r = (x.hand = ws.chunkCache.entries()).next();
  const [k, l] = r.value!;
  ws.chunkCache.delete(k);
  ws.chunkCacheBytes -= listBytes(l);
  x.size = ws.chunkCache.size;
  const colon = k.indexOf(":");
  x.byPartition.get(Number(k.slice(0, colon)))?.delete(Number(k.slice(colon + 1)));
}

/** Bytes a cached list is counted as. */
export function listBytes(list: Uint8Array[]): number {
  let n = 16;
  for (const c of list) n += c.length;
  return n;
}

/** The chunk bytes with their kind in front (the cache's format). */
export function tag(kind: number, bytes: Uint8Array): Uint8Array {
  const tagged = new Uint8Array(bytes.length + 1);
  tagged[0] = kind;
  tagged.set(bytes, 1);
  return tagged;
}

function sameTagged(x: Uint8Array, kind: number, bytes: Uint8Array): boolean {
  if (x.length !== bytes.length + 1 || x[0] !== kind) return false;
  for (let i = 0; i < bytes.length; i++) if (x[i + 1] !== bytes[i]) return false;
  return true;
}

/** Float64Array views carved out of large shared blocks: one allocation per many series. */
export class Slab {
  #buf = new Float64Array(0);
  #used = 0;

  /** A fresh zeroed view of `n` elements (owned by the caller; shares its block). */
  take(n: number): Float64Array {
    if (this.#used + n > this.#buf.length) {
      this.#buf = new Float64Array(Math.max(SLAB_ELEMENTS, n));
      this.#used = 0;
    }
    const out = this.#buf.subarray(this.#used, this.#used + n);
    this.#used += n;
    return out;
  }
}

/** Elements per slab block (512 KiB): large enough to amortise, small enough to waste little. */
const SLAB_ELEMENTS = 1 << 16;
