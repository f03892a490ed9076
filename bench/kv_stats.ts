/**
 * What a stopped server's KV file holds, for the storage benchmarks (bench/ingest.ts --stop,
 * bench/kv_bytes.ts): key and value bytes per TSDB key kind, the chunks and the samples they hold
 * (chunk blocks, and the one-chunk-per-key layout of format 1 for before/after comparisons), and
 * the SQLite file's pages (in use, free, and those of the `kv` table and its index).
 * Open the file only after the server stopped: one process per KV file.
 */
import { DatabaseSync } from "node:sqlite";
import { forEachChunkInBlock } from "../engine/storage/chunk_blocks.ts";
import { CHUNK_KIND_HIST } from "../engine/storage/keys.ts";

/** Byte counts of one key kind (`key[3]`: "c", "wal", "s", ...). */
export interface KindBytes {
  keys: number;
  keyBytes: number;
  valueBytes: number;
}

/** Everything measured. */
export interface KvStats {
  kinds: Map<string, KindBytes>;
  /** Chunks (any kind) and the float samples in XOR chunks. */
  chunks: number;
  floatChunks: number;
  floatSamples: number;
  /** Bytes of chunk payloads (XOR or histogram encoding), without block headers or keys. */
  chunkPayloadBytes: number;
  /** XOR payload bytes only. */
  xorBytes: number;
  /** SQLite file and its -wal file. */
  fileBytes: number;
  walFileBytes: number;
  pageSize: number;
  pages: number;
  freePages: number;
  /** Bytes of pages of the `kv` table and of its expiration index (dbstat). */
  kvTableBytes: number;
  kvIndexBytes: number;
}

/** Bytes of a key in Deno KV's tuple encoding (type byte + payload + terminator for strings). */
export function keyBytes(key: Deno.KvKey): number {
  let n = 0;
  for (const p of key) {
    if (typeof p === "string") n += 2 + new TextEncoder().encode(p).length;
    else if (typeof p === "number") n += 9;
    else if (typeof p === "bigint") n += 10;
    else if (typeof p === "boolean") n += 1;
    else n += 2 + (p as Uint8Array).length;
  }
  return n;
}

function valueBytes(v: unknown): number {
  if (v instanceof Uint8Array) return v.length;
  return new TextEncoder().encode(JSON.stringify(v)).length; // approximation for V8-serialised values
}

function fileSize(p: string): number {
  try {
    return Deno.statSync(p).size;
  } catch {
    return 0;
  }
}

/** Measures the KV file `path` (a stopped server's `PROMENADE_DATA`) for workspace `ws`. */
export async function kvStats(path: string, ws: string): Promise<KvStats> {
  const s: KvStats = {
    kinds: new Map(),
    chunks: 0,
    floatChunks: 0,
    floatSamples: 0,
    chunkPayloadBytes: 0,
    xorBytes: 0,
    fileBytes: fileSize(path),
    walFileBytes: fileSize(`${path}-wal`),
    pageSize: 0,
    pages: 0,
    freePages: 0,
    kvTableBytes: 0,
    kvIndexBytes: 0,
  };
  const chunk = (kind: number, bytes: Uint8Array) => {
    s.chunks++;
    s.chunkPayloadBytes += bytes.length;
    if (kind === CHUNK_KIND_HIST) return;
    s.floatChunks++;
    s.floatSamples += (bytes[0] << 8) | bytes[1]; // XOR chunk: big-endian u16 sample count
    s.xorBytes += bytes.length;
  };
  const kv = await Deno.openKv(path);
  try {
    for await (const e of kv.list({ prefix: ["w", ws, "tsdb"] })) {
      const kind = String(e.key[3]);
      const r = s.kinds.get(kind) ?? { keys: 0, keyBytes: 0, valueBytes: 0 };
      r.keys++;
      r.keyBytes += keyBytes(e.key);
      r.valueBytes += valueBytes(e.value);
      s.kinds.set(kind, r);
      if (kind !== "c" || !(e.value instanceof Uint8Array)) continue;
      if (e.key.length === 8) chunk(e.key[7] as number, e.value); // format 1: one chunk per key
      else forEachChunkInBlock(e.value, (_sid, _minT, _maxT, k, bytes) => chunk(k, bytes));
    }
  } finally {
    kv.close();
  }
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const one = (sql: string) => Object.values(db.prepare(sql).get() as object)[0] as number;
    s.pageSize = one("PRAGMA page_size");
    s.pages = one("PRAGMA page_count");
    s.freePages = one("PRAGMA freelist_count");
    const rows = db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name")
      .all() as {
        name: string;
        bytes: number;
      }[];
    for (const r of rows) {
      if (r.name === "kv") s.kvTableBytes = r.bytes;
      if (r.name === "kv_expiration_ms_idx") s.kvIndexBytes = r.bytes;
    }
  } finally {
    db.close();
  }
  return s;
}

/** Human-readable lines: the key kinds, chunks, and bytes per stored sample both ways. */
export function formatKvStats(s: KvStats, samplesStored: number): string[] {
  const out = ["kind        keys        key B       value B"];
  let total = 0;
  for (const [kind, r] of [...s.kinds].sort()) {
    total += r.keyBytes + r.valueBytes;
    out.push(
      `${kind.padEnd(8)} ${String(r.keys).padStart(8)} ${String(r.keyBytes).padStart(12)} ${
        String(r.valueBytes).padStart(13)
      }`,
    );
  }
  out.push(`live TSDB key+value bytes: ${total}`);
  const c = s.kinds.get("c");
  if (c && s.floatSamples > 0) {
    out.push(
      `(a) chunks: ${s.chunks} in ${c.keys} KV entries, ${
        (s.floatSamples / s.floatChunks).toFixed(1)
      } samples per float chunk; per sample in closed chunks: XOR ${
        (s.xorBytes / s.floatSamples).toFixed(3)
      } B + keys ${(c.keyBytes / s.floatSamples).toFixed(3)} B + block headers ${
        ((c.valueBytes - s.chunkPayloadBytes) / s.floatSamples).toFixed(3)
      } B = ${((c.keyBytes + c.valueBytes) / s.floatSamples).toFixed(3)} bytes/sample`,
    );
  }
  const used = (s.pages - s.freePages) * s.pageSize;
  const per = (n: number) => (n / samplesStored).toFixed(3);
  out.push(
    `(b) SQLite file ${s.fileBytes} B + ${s.walFileBytes} B -wal = ${
      per(s.fileBytes + s.walFileBytes)
    } B/sample over ${samplesStored} samples stored; pages in use ${used} B = ${
      per(used)
    } B/sample (free pages ${s.freePages * s.pageSize} B); kv table ${s.kvTableBytes} B + ` +
      `expiration index ${s.kvIndexBytes} B = ${per(s.kvTableBytes + s.kvIndexBytes)} B/sample`,
  );
  return out;
}
