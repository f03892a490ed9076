/**
 * Chunk blocks: closed chunks are stored packed, many per KV value, instead of one KV entry per
 * chunk. A block holds chunks of one partition whose series ids lie within CHUNK_BLOCK_SID_SPAN
 * of the block's first series id, which is part of the key
 * (`["w", ws, "tsdb", "c", partition, sidLo, blockId]`), so the chunks of series `sid` are in the
 * blocks whose key has `sidLo` in `[sid - SPAN + 1, sid]`: one key range per partition. The value
 * starts with a header listing every chunk (series id, minT, maxT, kind, length); the chunk bytes
 * follow in header order. Layout and rationale: docs/format_kv.md ("Chunk blocks").
 */
import { ByteReader, ByteWriter, CorruptValueError } from "./byte_buffer.ts";
import { chunksPrefix } from "./keys.ts";
import { CHUNK_BLOCK_BYTES_MAX, CHUNK_BLOCK_SID_SPAN } from "./limits.ts";
import { tag } from "./chunk_lists.ts";
import type { ClosedChunk } from "./head.ts";

/** First byte of every block value: the chunk block format version. */
export const CHUNK_BLOCK_VERSION = 1;

/** A chunk to pack: the head's closed chunk (series id, partition, time range, kind, bytes). */
export type ChunkToPack = ClosedChunk;

/** One packed block, ready to be written under `chunkBlockKey(ws, partition, sidLo, id)`. */
export interface ChunkBlock {
  partition: number;
  /** Smallest series id in the block (a key part). */
  sidLo: number;
  /** Deterministic id: a 48-bit hash of the partition and header (same chunks, same key). */
  id: number;
  /** Chunks in the block. */
  chunks: number;
  bytes: Uint8Array;
}

/** Bound on one header entry: sid Δ, minT Δ, maxT − minT (≤ 8 bytes each), kind, length. */
const ENTRY_BYTES_MAX = 8 + 8 + 8 + 1 + 3;
/** Bound on the fixed header: version, chunk count, sidLo. */
const HEAD_BYTES_MAX = 1 + 3 + 8;

/**
 * Packs chunks into blocks: sorted by (partition, series id, minT, kind), cut when the partition
 * changes, when a series id is CHUNK_BLOCK_SID_SPAN or more past the block's first, or when the
 * value would exceed CHUNK_BLOCK_BYTES_MAX (a chunk larger than that gets a block of its own).
 */
export function packChunkBlocks(chunks: readonly ChunkToPack[]): ChunkBlock[] {
  const sorted = [...chunks].sort((a, b) =>
    a.partition - b.partition || a.sid - b.sid || a.minT - b.minT || a.kind - b.kind
  );
  const out: ChunkBlock[] = [];
  const header = new ByteWriter(4096);
  let start = 0;
  while (start < sorted.length) {
    const first = sorted[start];
    let end = start, bodyBytes = 0;
    while (end < sorted.length) {
      const c = sorted[end];
      if (c.partition !== first.partition || c.sid - first.sid >= CHUNK_BLOCK_SID_SPAN) break;
      const size = HEAD_BYTES_MAX + (end - start + 1) * ENTRY_BYTES_MAX + bodyBytes +
        c.bytes.length;
      if (end > start && size > CHUNK_BLOCK_BYTES_MAX) break;
      bodyBytes += c.bytes.length;
      end++;
    }
    header.reset();
    header.u8(CHUNK_BLOCK_VERSION);
    header.uvarint(end - start);
    header.uvarint(first.sid);
    let prevSid = first.sid, prevMinT = 0;
    for (let i = start; i < end; i++) {
      const c = sorted[i];
      if (!Number.isSafeInteger(c.minT) || !(c.maxT >= c.minT)) {
        throw new Error(`BUG: chunk of series ${c.sid} spans ${c.minT}..${c.maxT}`);
      }
      header.uvarint(c.sid - prevSid);
      header.varint(c.minT - prevMinT);
      header.uvarint(c.maxT - c.minT);
      header.u8(c.kind);
      header.uvarint(c.bytes.length);
      prevSid = c.sid;
      prevMinT = c.minT;
    }
    const bytes = new Uint8Array(header.length + bodyBytes);
    bytes.set(header.view());
    let at = header.length;
    for (let i = start; i < end; i++) {
      bytes.set(sorted[i].bytes, at);
      at += sorted[i].bytes.length;
    }
    out.push({
      partition: first.partition,
      sidLo: first.sid,
      id: blockId(first.partition, header.view()),
      chunks: end - start,
      bytes,
    });
    start = end;
  }
  return out;
}

/** A 48-bit FNV-1a hash of the partition and the header bytes. */
function blockId(partition: number, header: Uint8Array): number {
  let a = 0x811c9dc5 ^ (partition | 0), b = 0x01000193 ^ Math.floor(partition / 2 ** 32);
  for (let i = 0; i < header.length; i++) {
    a = Math.imul(a ^ header[i], 0x01000193);
    b = Math.imul(b ^ header[i], 0x01000193) ^ (a >>> 13);
  }
  return (a >>> 0) * 0x10000 + (b & 0xffff);
}

/**
 * Calls `visit` for every chunk of a block value, in header order. `bytes` is a view into the
 * block (valid as long as the block). Throws CorruptValueError on a malformed block.
 */
export function forEachChunkInBlock(
  block: Uint8Array,
  visit: (sid: number, minT: number, maxT: number, kind: number, bytes: Uint8Array) => void,
): void {
  const r = new ByteReader(block);
  const version = r.u8();
  if (version !== CHUNK_BLOCK_VERSION) {
    throw new CorruptValueError(`chunk block version ${version}, expected ${CHUNK_BLOCK_VERSION}`);
  }
  const n = r.uvarint();
  let sid = r.uvarint(), minT = 0;
  // Header first (entries are read twice: once to find where the bodies start).
  const entriesAt = r.pos;
  let body = 0;
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.varint();
    r.uvarint();
    r.u8();
    body += r.uvarint();
  }
  let at = r.pos;
  if (at + body !== block.length) throw new CorruptValueError("chunk block length mismatch");
  r.pos = entriesAt;
  for (let i = 0; i < n; i++) {
    sid += r.uvarint();
    minT += r.varint();
    const maxT = minT + r.uvarint();
    const kind = r.u8();
    const len = r.uvarint();
    visit(sid, minT, maxT, kind, block.subarray(at, at + len));
    at += len;
  }
}

/**
 * Sid ranges `[lo, hi]` of the block keys (`sidLo`) that can hold chunks of `sids` (ascending):
 * `[sid - SPAN + 1, sid]` merged; a single covering range when there would be more than 16.
 */
export function blockKeyRanges(sids: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const sid of sids) {
    const lo = Math.max(0, sid - CHUNK_BLOCK_SID_SPAN + 1);
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], sid);
    else out.push([lo, sid]);
  }
  if (out.length > 16) return [[out[0][0], out[out.length - 1][1]]];
  return out;
}

/**
 * Reads the chunks of `sids` (ascending) in one partition from KV: a list per series of tagged
 * chunks (kind byte, then the chunk bytes; chunk_lists.ts), in (minT, kind) order. Series without
 * chunks there are absent from the map.
 */
export async function loadChunkLists(
  kv: Deno.Kv,
  ws: string,
  partition: number,
  sids: readonly number[],
): Promise<Map<number, Uint8Array[]>> {
  const found = new Map<number, Uint8Array[]>();
  if (sids.length === 0) return found;
  const want = new Set(sids);
  let ascending = true;
  for (let i = 1; i < sids.length && ascending; i++) ascending = sids[i - 1] <= sids[i];
  if (!ascending) sids = [...sids].sort((a, b) => a - b);
  // Chunks of a series come from several blocks: kept with their (minT, kind) to sort them.
  const order = new Map<Uint8Array, number>();
  let unsorted = false;
  const prefix = [...chunksPrefix(ws), partition];
  for (const [lo, hi] of blockKeyRanges(sids)) {
    const iter = kv.list<Uint8Array>({ start: [...prefix, lo], end: [...prefix, hi + 1] }, {
      batchSize: 100,
    });
    for await (const e of iter) {
      forEachChunkInBlock(e.value, (sid, minT, _maxT, kind, bytes) => {
        if (!want.has(sid)) return;
        let l = found.get(sid);
        if (l === undefined) found.set(sid, l = []);
        const tagged = tag(kind, bytes);
        const rank = minT * 4 + kind;
        if (l.length > 0 && order.get(l[l.length - 1])! > rank) unsorted = true;
        order.set(tagged, rank);
        l.push(tagged);
      });
    }
  }
  if (unsorted) { for (const l of found.values()) l.sort((a, b) => order.get(a)! - order.get(b)!); }
  return found;
}

/** Every stored chunk of a workspace (all partitions), for tests and benchmarks. */
export async function* storedChunks(
  kv: Deno.Kv,
  ws: string,
): AsyncGenerator<ChunkToPack & { blockKey: Deno.KvKey }> {
  for await (const e of kv.list<Uint8Array>({ prefix: chunksPrefix(ws) })) {
    const partition = e.key[4] as number;
    const list: (ChunkToPack & { blockKey: Deno.KvKey })[] = [];
    forEachChunkInBlock(e.value, (sid, minT, maxT, kind, bytes) => {
      list.push({ sid, partition, minT, maxT, kind, bytes, blockKey: e.key });
    });
    yield* list;
  }
}
