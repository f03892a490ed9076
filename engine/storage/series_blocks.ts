/**
 * Series blocks: series records (a series id and its labels) stored many per KV value instead of
 * one KV entry per series. A block holds records of one bucket of SERIES_BLOCK_SID_SPAN ids,
 * which is part of its key (`["w", ws, "tsdb", "sb", bucket, blockId]`), so the record of series
 * `sid` is in one of the few blocks under `["w", ws, "tsdb", "sb", floor(sid / SPAN)]`. The first
 * layout (`["w", ws, "tsdb", "s", sid]`, one key per series) is still read and deleted, never
 * written. Layout and rationale: docs/format_kv.md ("Series records").
 *
 * Why: SQLite pays per row (B-tree page splits and page fetches on Deno KV's writer thread), so
 * the first checkpoint after 100k new series cost ~1.4 s of writer-thread CPU as 100k keys and a
 * fraction of that as ~400 values of 60 KB.
 *
 * A series id can be recorded in more than one block of its bucket (a checkpoint rewritten after
 * a crash writes its series again, maybe grouped otherwise), always with the same labels: ids are
 * reused only after retention has deleted every record of the old series (deleteSeriesRecords)
 * and a checkpoint has followed.
 */
import type { Labels } from "../model/labels.ts";
import { ByteReader, ByteWriter, CorruptValueError } from "./byte_buffer.ts";
import { seriesBlockKey, seriesBlocksPrefix, seriesKey, seriesPrefix } from "./keys.ts";
import {
  FLUSH_BYTES_PER_ATOMIC,
  FLUSH_CHUNKS_PER_ATOMIC,
  KV_GET_MANY_KEYS_MAX,
  KV_VALUE_BYTES_MAX,
  SERIES_BLOCK_BYTES_MAX,
  SERIES_BLOCK_SID_SPAN,
} from "./limits.ts";
import { decodeLabels, encodeLabels } from "./wal.ts";

/** First byte of every series block value: the series block format version. */
export const SERIES_BLOCK_VERSION = 1;

/** Bytes counted per mutation for its key and framing when budgeting an atomic. */
const KEY_BYTES_BUDGET = 128;
/** Budget of one retention atomic (values and keys): one value more than a flush's. */
const ATOMIC_COST_MAX = FLUSH_BYTES_PER_ATOMIC + KV_VALUE_BYTES_MAX;
/** Key ranges listed at once when loading labels of many series. */
const LIST_CONCURRENCY = 8;

/** What writing and deleting series records needs of a workspace: its KV, id and writer lease. */
export interface SeriesBlockStore {
  /** The workspace's KV. */
  readonly kv: Deno.Kv;
  /** Workspace id (key prefix). */
  readonly id: string;
  /** An atomic fenced by the writer lease. */
  fencedAtomic(): Deno.AtomicOperation;
  /** Commits a fenced atomic (throws when the lease is lost). */
  commitFenced(op: Deno.AtomicOperation): Promise<void>;
}

/** The bucket (a key part) of the blocks that may hold the record of series `sid`. */
export function seriesBucket(sid: number): number {
  return Math.floor(sid / SERIES_BLOCK_SID_SPAN);
}

/** Incremental 48-bit FNV-1a-style hash of a block's series ids and length: its key's id. */
class BlockIdHash {
  a = 0x811c9dc5;
  b = 0x01000193;

  add(x: number): void {
    let a = this.a;
    a = Math.imul(a ^ (x & 0xff), 0x01000193);
    a = Math.imul(a ^ ((x >>> 8) & 0xff), 0x01000193);
    a = Math.imul(a ^ ((x >>> 16) & 0xff), 0x01000193);
    a = Math.imul(a ^ (x >>> 24), 0x01000193);
    this.a = a;
    this.b = Math.imul(this.b ^ x, 0x85ebca6b) ^ (a >>> 13);
  }

  id(): number {
    return (this.a >>> 0) * 0x10000 + (this.b & 0xffff);
  }
}

/**
 * Packs records `k = from, from + 1, ...` (ascending series ids) into one block appended to `w`,
 * stopping at the bucket's end or at SERIES_BLOCK_BYTES_MAX. Returns the next `k`; pushes
 * (bucket, start, end, id) onto `out`. A repeated id is skipped (it has the same labels).
 */
function packBlock(
  w: ByteWriter,
  n: number,
  sidOf: (k: number) => number,
  writeLabels: (k: number, w: ByteWriter) => void,
  from: number,
  out: number[],
): number {
  const start = w.length, first = sidOf(from), bucket = seriesBucket(first);
  const hash = new BlockIdHash();
  w.u8(SERIES_BLOCK_VERSION);
  w.u8(0);
  w.u8(0);
  let k = from, count = 0, prev = 0;
  for (; k < n; k++) {
    const sid = sidOf(k);
    if (!Number.isSafeInteger(sid) || sid < 1) throw new Error(`BUG: series id ${sid}`);
    if (count > 0 && sid === prev) continue;
    if (seriesBucket(sid) !== bucket) break;
    if (!(sid > prev)) throw new Error(`BUG: series ids not ascending (${prev}, ${sid})`);
    const entryAt = w.length;
    w.uvarint(sid - prev);
    writeLabels(k, w);
    if (w.length - start > SERIES_BLOCK_BYTES_MAX) {
      if (count === 0) throw new Error(`BUG: series ${sid}'s record exceeds a KV value`);
      w.length = entryAt; // starts the next block
      break;
    }
    hash.add(sid);
    prev = sid;
    count++;
  }
  hash.add(w.length - start);
  const v = w.view();
  v[start + 1] = count & 0xff;
  v[start + 2] = count >>> 8;
  out.push(bucket, start, w.length, hash.id());
  return k;
}

/**
 * Writes the records of series `sids` (any order; `labels[i]` belongs to `sids[i]`) as blocks,
 * in fenced atomics of at most FLUSH_BYTES_PER_ATOMIC bytes of values. Returns the number of
 * blocks written. The values of one atomic are views of one reused buffer.
 */
export async function writeSeriesRecords(
  store: SeriesBlockStore,
  sids: readonly number[],
  labels: readonly Labels[],
): Promise<number> {
  const n = sids.length;
  if (n !== labels.length) throw new Error("BUG: series ids and labels differ in length");
  if (n === 0) return 0;
  let order: number[] | undefined;
  for (let i = 1; i < n; i++) {
    if (!(sids[i - 1] < sids[i])) {
      order = Array.from({ length: n }, (_, j) => j).sort((x, y) => sids[x] - sids[y]);
      break;
    }
  }
  const sidOf = order === undefined ? (k: number) => sids[k] : (k: number) => sids[order[k]];
  const writeLabels = order === undefined
    ? (k: number, w: ByteWriter) => encodeLabels(labels[k], w)
    : (k: number, w: ByteWriter) => encodeLabels(labels[order[k]], w);
  const w = new ByteWriter(1 << 17);
  const blocks: number[] = [];
  let k = 0, written = 0;
  while (k < n) {
    w.reset();
    blocks.length = 0;
    while (
      k < n && w.length < FLUSH_BYTES_PER_ATOMIC && blocks.length < 4 * FLUSH_CHUNKS_PER_ATOMIC
    ) k = packBlock(w, n, sidOf, writeLabels, k, blocks);
    const buf = w.view(); // the writer may have grown: take the view after the last write
    const op = store.fencedAtomic();
    for (let b = 0; b < blocks.length; b += 4) {
      op.set(
        seriesBlockKey(store.id, blocks[b], blocks[b + 3]),
        buf.subarray(blocks[b + 1], blocks[b + 2]),
      );
    }
    await store.commitFenced(op);
    written += blocks.length / 4;
  }
  return written;
}

/**
 * Calls `visit` for every record of a block, in ascending id order, with a reader positioned at
 * the record's labels (read them with decodeLabels, or not at all) and where they end. Throws
 * CorruptValueError on a malformed block.
 */
export function forEachSeriesRecord(
  block: Uint8Array,
  visit: (sid: number, r: ByteReader, labelsEnd: number) => void,
): void {
  const r = new ByteReader(block);
  const version = r.u8();
  if (version !== SERIES_BLOCK_VERSION) {
    throw new CorruptValueError(
      `series block version ${version}, expected ${SERIES_BLOCK_VERSION}`,
    );
  }
  const n = r.u8() | (r.u8() << 8);
  let sid = 0;
  for (let i = 0; i < n; i++) {
    const d = r.uvarint();
    if (d === 0) throw new CorruptValueError("series block ids not ascending");
    sid += d;
    const at = r.pos;
    const pairs = r.uvarint();
    for (let j = 0; j < 2 * pairs; j++) {
      const len = r.uvarint(); // not `r.pos += r.uvarint()`: that adds to the old position
      r.pos += len;
    }
    const end = r.pos;
    if (end > block.length) throw new CorruptValueError("truncated series block");
    r.pos = at;
    visit(sid, r, end);
    r.pos = end;
  }
  if (!r.done()) throw new CorruptValueError("trailing bytes in series block");
}

/**
 * Visits every stored series record of a workspace: blocks first, then first-layout records.
 * An id may be visited more than once, always with the same labels (see the file header).
 */
export async function forEachStoredSeries(
  kv: Deno.Kv,
  ws: string,
  visit: (sid: number, r: ByteReader) => void,
): Promise<void> {
  for await (const e of kv.list<Uint8Array>({ prefix: seriesBlocksPrefix(ws) })) {
    forEachSeriesRecord(e.value, (sid, r) => visit(sid, r));
  }
  for await (const e of kv.list<Uint8Array>({ prefix: seriesPrefix(ws) })) {
    visit(e.key[4] as number, new ByteReader(e.value));
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Ranges `[lo, hi]` of consecutive buckets holding `sids`. */
function bucketRanges(sids: readonly number[]): [number, number][] {
  const buckets = [...new Set(sids.map(seriesBucket))].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const b of buckets) {
    const last = out[out.length - 1];
    if (last !== undefined && b === last[1] + 1) last[1] = b;
    else out.push([b, b]);
  }
  return out;
}

/**
 * Labels of the given series from their records (blocks, then first-layout records for ids not
 * found in blocks). Series without a record (deleted by retention) are absent from the map.
 */
export async function loadSeriesLabels(
  kv: Deno.Kv,
  ws: string,
  sids: readonly number[],
): Promise<Map<number, Labels>> {
  const found = new Map<number, Labels>();
  if (sids.length === 0) return found;
  const want = new Set(sids);
  const prefix = seriesBlocksPrefix(ws);
  await eachLimited(bucketRanges(sids), LIST_CONCURRENCY, async ([lo, hi]) => {
    const iter = kv.list<Uint8Array>({ start: [...prefix, lo], end: [...prefix, hi + 1] }, {
      batchSize: 16,
    });
    for await (const e of iter) {
      forEachSeriesRecord(e.value, (sid, r) => {
        if (want.has(sid) && !found.has(sid)) found.set(sid, decodeLabels(r));
      });
    }
  });
  const legacy = sids.filter((sid) => !found.has(sid));
  const groups: number[][] = [];
  for (let i = 0; i < legacy.length; i += KV_GET_MANY_KEYS_MAX) {
    groups.push(legacy.slice(i, i + KV_GET_MANY_KEYS_MAX));
  }
  await eachLimited(groups, 16, async (ids) => {
    const entries = await kv.getMany<Uint8Array[]>(ids.map((sid) => seriesKey(ws, sid)));
    for (const e of entries) {
      if (e.value !== null) found.set(e.key[4] as number, decodeLabels(new ByteReader(e.value)));
    }
  });
  return found;
}

/** A mutation of a retention rewrite: a set when `value` is given, else a delete. */
interface Mutation {
  key: Deno.KvKey;
  value?: Uint8Array;
}

/** Groups mutations into fenced atomics within KV's size and mutation limits, in order. */
class AtomicBatcher {
  #store: SeriesBlockStore;
  #list: Mutation[] = [];
  #bytes = 0;

  constructor(store: SeriesBlockStore) {
    this.#store = store;
  }

  static cost(m: Mutation): number {
    return KEY_BYTES_BUDGET + (m.value?.length ?? 0);
  }

  /** Adds a group, in one atomic with what precedes it when both fit, else starting a new one. */
  async addGroup(group: readonly Mutation[]): Promise<void> {
    let bytes = 0;
    for (const m of group) bytes += AtomicBatcher.cost(m);
    if (
      this.#bytes + bytes > ATOMIC_COST_MAX ||
      this.#list.length + group.length > FLUSH_CHUNKS_PER_ATOMIC
    ) await this.commit();
    for (const m of group) {
      const c = AtomicBatcher.cost(m);
      if (
        this.#list.length > 0 &&
        (this.#bytes + c > ATOMIC_COST_MAX ||
          this.#list.length + 1 > FLUSH_CHUNKS_PER_ATOMIC)
      ) await this.commit();
      this.#list.push(m);
      this.#bytes += c;
    }
  }

  /** Commits what is queued. */
  async commit(): Promise<void> {
    if (this.#list.length === 0) return;
    const op = this.#store.fencedAtomic();
    for (const m of this.#list) {
      if (m.value !== undefined) op.set(m.key, m.value);
      else op.delete(m.key);
    }
    this.#list = [];
    this.#bytes = 0;
    await this.#store.commitFenced(op);
  }
}

/**
 * Deletes the records of series `sids` (retention): every block of their buckets is rewritten
 * without them (and without repeated records), and their first-layout keys and `alsoDelete(sid)`
 * keys are deleted, in the same atomic as their bucket's rewrite when it fits, else after it. A
 * crash in between leaves a series' record or its `alsoDelete` keys, never a stale record that
 * a reused id could pick up: ids are reused only after this returns and a checkpoint follows.
 */
export async function deleteSeriesRecords(
  store: SeriesBlockStore,
  sids: readonly number[],
  alsoDelete: (sid: number) => Deno.KvKey[],
): Promise<void> {
  if (sids.length === 0) return;
  const gone = new Set(sids);
  const byBucket = new Map<number, number[]>();
  for (const sid of gone) {
    const b = seriesBucket(sid);
    let l = byBucket.get(b);
    if (l === undefined) byBucket.set(b, l = []);
    l.push(sid);
  }
  const batcher = new AtomicBatcher(store);
  const prefix = seriesBlocksPrefix(store.id);
  const w = new ByteWriter(1 << 16);
  for (const bucket of [...byBucket.keys()].sort((a, b) => a - b)) {
    const oldKeys: Deno.KvKey[] = [];
    const kept = new Map<number, Uint8Array>();
    let touched = false;
    for await (const e of store.kv.list<Uint8Array>({ prefix: [...prefix, bucket] })) {
      oldKeys.push(e.key);
      forEachSeriesRecord(e.value, (sid, r, end) => {
        if (gone.has(sid)) touched = true;
        else if (!kept.has(sid)) kept.set(sid, e.value.subarray(r.pos, end));
      });
    }
    const group: Mutation[] = [];
    if (touched) {
      const ids = [...kept.keys()].sort((a, b) => a - b);
      const raw = ids.map((sid) => kept.get(sid)!);
      const blocks: number[] = [];
      w.reset();
      for (let k = 0; k < ids.length;) {
        k = packBlock(w, ids.length, (j) => ids[j], (j, ww) => ww.raw(raw[j]), k, blocks);
      }
      const buf = w.view();
      const fresh = new Set<number>();
      for (let b = 0; b < blocks.length; b += 4) {
        fresh.add(blocks[b + 3]);
        group.push({
          key: seriesBlockKey(store.id, bucket, blocks[b + 3]),
          value: buf.slice(blocks[b + 1], blocks[b + 2]),
        });
      }
      for (const key of oldKeys) if (!fresh.has(key[5] as number)) group.push({ key });
    }
    for (const sid of byBucket.get(bucket)!.sort((a, b) => a - b)) {
      group.push({ key: seriesKey(store.id, sid) });
      for (const key of alsoDelete(sid)) group.push({ key });
    }
    await batcher.addGroup(group);
  }
  await batcher.commit();
}
