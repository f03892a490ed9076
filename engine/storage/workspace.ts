/**
 * One workspace's TSDB: the Appender (stateful validation, group commit of WAL records to KV,
 * then the head), the chunk flusher, checkpoints, recovery, retention and reads.
 */
import type { Labels } from "../model/labels.ts";
import { labelsCompare } from "../model/labels.ts";
import type { Matcher } from "../model/matcher.ts";
import type { HPoint } from "../model/histogram.ts";
import { type HeadStats, headStats } from "./stats.ts";
import { isStaleNaN } from "../model/value.ts";
import type { Exemplar, MetricMetadata, WriteRequest } from "../model/write.ts";
import { ColumnSeries, sampleCount } from "../model/write.ts";
import type { Querier } from "./querier.ts";
import { ByteWriter } from "./byte_buffer.ts";
import type { ChunkArena } from "./chunk_arena.ts";
import { WasmChunkArena } from "./chunk_arena.ts";
import {
  DuplicateSampleError,
  LabelSetSeriesLimitError,
  OutOfOrderSampleError,
  SeriesLimitError,
  StorageClosedError,
  WriterLeaseLostError,
} from "./errors.ts";
import { hashLabels, Head } from "./head.ts";
import {
  chunkBlockKey,
  coldPartitionKey,
  coldSeriesKey,
  metadataKey,
  partitionOf,
  walKey,
  writerLeaseKey,
} from "./keys.ts";
import {
  ACTIVE_SERIES_MAX_DEFAULT,
  ACTIVE_WINDOW_MS,
  BATCH_REQUESTS_MAX,
  BATCH_SAMPLES_MAX,
  CHECKPOINT_WAL_BYTES,
  CHUNK_FLUSH_ROUND_BYTES_MAX,
  COLD_AFTER_MS_DEFAULT,
  COLD_LABELS_CACHE_MAX,
  EXEMPLARS_MAX_DEFAULT,
  FLUSH_BYTES_PER_ATOMIC,
  FLUSH_CHUNKS_PER_ATOMIC,
  METADATA_PER_METRIC_MAX,
  OOO_WINDOW_MS_DEFAULT,
  PARTITION_MS,
  PENDING_CHUNKS_MAX,
  WAL_SEGMENTS_PER_ATOMIC_MAX,
} from "./limits.ts";
import { type Batch, encodeBatch, WalSegmenter } from "./wal.ts";
import { KvQuerier, readSeriesSamples } from "./kv_querier.ts";
import { LogState, recoverWorkspace, writeCheckpoint } from "./checkpoint_io.ts";
import { applyRetentionTo } from "./retention.ts";
import { packChunkBlocks } from "./chunk_blocks.ts";
import { writeSeriesRecords } from "./series_blocks.ts";
import { type PendingAppend, Stage } from "./stage.ts";

/** One `limitsPerLabelSet` entry; an empty label set is the default bucket. */
export interface LabelSetLimit {
  labelSet: Record<string, string>;
  limits: { maxSeries: number };
}

/** Per-workspace settings. */
export interface WorkspaceOptions {
  /** Out-of-order window, ms (AMP default 600 s). */
  oooWindowMs?: number;
  /** Active series limit (0 = none). */
  activeSeriesMax?: number;
  /** Series limits per label set (maxSeries 0 = no limit). */
  limitsPerLabelSet?: LabelSetLimit[];
  /** The `user=` part of Cortex error messages (AMP: `<account>_<workspace>`); defaults to the id. */
  user?: string;
  /** Exemplars kept in the ring buffer. */
  exemplarsMax?: number;
  /** Checkpoint after this many WAL bytes. */
  checkpointWalBytes?: number;
  /** Series without a sample for this long leave memory at maintenance (data stays in KV). */
  coldAfterMs?: number;
  /** Time partition length, ms (fixed per store; default 2 h). */
  partitionMs?: number;
}

/** What append() accepted. */
export interface AppendResult {
  samples: number;
  histograms: number;
  exemplars: number;
}

interface OooCheck {
  sid: number;
  t: number;
  v: number;
  index: number;
}

const f64 = new Float64Array(2);
const u32 = new Uint32Array(f64.buffer);

/** True when two floats have the same bit pattern (Prometheus's duplicate test). */
export function sameBits(a: number, b: number): boolean {
  if (a === b) return a !== 0 || 1 / a === 1 / b;
  if (a === a || b === b) return false;
  if (isStaleNaN(a) !== isStaleNaN(b)) return false;
  f64[0] = a;
  f64[1] = b;
  return u32[0] === u32[2] && u32[1] === u32[3];
}

/** A batch whose WAL record is being committed. */
interface InFlight {
  stage: Stage;
  commit: Promise<number>;
}

/** A workspace's TSDB. Create with Workspace.open(); one writer per workspace. */
export class Workspace {
  /** The KV store (shared by all workspaces; every key this workspace writes is under its id). */
  readonly kv: Deno.Kv;
  /** Workspace id: the second key part of every key. */
  readonly id: string;
  /** The in-memory head (read by the querier; mutated only by the append loop). */
  readonly head: Head;
  /** Time partition length, ms. */
  readonly partitionMs: number;
  #opts: Required<Omit<WorkspaceOptions, "partitionMs">>;
  #queue: PendingAppend[] = [];
  #running = false;
  #closed = false;
  #stages = [new Stage(), new Stage()];
  /** The newest batch in flight: the next batch is staged on top of it. */
  #inflight: InFlight | undefined;
  /** The batch committed before `#inflight`, while its own commit may still be running. */
  #older: InFlight | undefined;
  #prevFailed = false;
  #pauseRequested = false;
  /** Wakes the append loop while it waits for a commit with nothing queued. */
  #wake: (() => void) | undefined;
  #bucketTmp: number[] = [];
  /** WAL record encoding, one writer and segmenter per batch in flight (by record seq parity). */
  readonly #writers = [new ByteWriter(1 << 16), new ByteWriter(1 << 16)];
  readonly #segmenters = [new WalSegmenter(), new WalSegmenter()];
  /** Versionstamp of this instance's writer lease; every WAL and checkpoint commit checks it. */
  leaseVersionstamp = "";
  #fenced = false;
  /** WAL and checkpoint positions (owned by this workspace; read by recovery and checkpoints). */
  readonly log = new LogState();
  #ckptRunning: Promise<void> | undefined;
  #flushing: Promise<void> | undefined;
  #flushError: unknown;
  #activeCount = 0;
  #bucketCount = new Int32Array(0);
  #bucketDefault = -1;
  #ooo: OooCheck[] = [];
  /** Cache of KV chunk lists of sealed partitions, shared with the querier. */
  readonly chunkCache: Map<string, Uint8Array[]> = new Map();
  /** Bytes held by chunkCache (bounded by CHUNK_CACHE_BYTES_MAX). */
  chunkCacheBytes = 0;
  /** Labels of cold series read recently (LRU, at most COLD_LABELS_CACHE_MAX). */
  readonly coldLabels: Map<number, Labels> = new Map();

  /** Caches a cold series' labels. */
  rememberColdLabels(sid: number, labels: Labels): void {
    this.coldLabels.delete(sid);
    this.coldLabels.set(sid, labels);
    if (this.coldLabels.size > COLD_LABELS_CACHE_MAX) {
      this.coldLabels.delete(this.coldLabels.keys().next().value!);
    }
  }

  private constructor(
    kv: Deno.Kv,
    id: string,
    opts: WorkspaceOptions,
    arena: ChunkArena,
  ) {
    this.kv = kv;
    this.id = id;
    this.partitionMs = opts.partitionMs ?? PARTITION_MS;
    this.#opts = normalise(opts, id);
    this.head = new Head(arena, {
      partitionMs: this.partitionMs,
      oooWindowMs: this.#opts.oooWindowMs,
      exemplarsMax: this.#opts.exemplarsMax,
    });
    this.#setBuckets();
  }

  /** Opens a workspace and rebuilds its head from KV (series, checkpoint, WAL replay). */
  static async open(
    kv: Deno.Kv,
    id: string,
    opts: WorkspaceOptions = {},
    arena: ChunkArena = new WasmChunkArena(),
  ): Promise<Workspace> {
    const ws = new Workspace(kv, id, opts, arena);
    await ws.#acquireLease();
    await recoverWorkspace(ws);
    return ws;
  }

  /**
   * Takes the writer lease (fencing any previous writer, whose next commit then fails) before
   * reading the WAL, so recovery sees every record the previous writer could commit.
   */
  async #acquireLease(): Promise<void> {
    const key = writerLeaseKey(this.id);
    const owner = crypto.randomUUID();
    for (let attempt = 0; attempt < 20; attempt++) {
      const cur = await this.kv.get(key);
      const res = await this.kv.atomic().check(cur).set(key, { owner, acquiredAtMs: Date.now() })
        .commit();
      if (res.ok) {
        this.leaseVersionstamp = res.versionstamp;
        return;
      }
    }
    throw new StorageClosedError(`could not take the writer lease of workspace ${this.id}`);
  }

  /** An atomic operation fenced by this instance's writer lease. */
  fencedAtomic(): Deno.AtomicOperation {
    return this.kv.atomic().check({
      key: writerLeaseKey(this.id),
      versionstamp: this.leaseVersionstamp,
    });
  }

  /** Commits a fenced atomic; a lost lease closes this workspace and throws. */
  async commitFenced(op: Deno.AtomicOperation): Promise<void> {
    const res = await op.commit();
    if (!res.ok) {
      this.#closed = true;
      this.#fenced = true;
      throw new WriterLeaseLostError(
        `workspace ${this.id} is now written by another instance; retry`,
      );
    }
  }

  /** True once the workspace refuses writes (closed, deleted, or its append loop failed). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Current settings. */
  get options(): Readonly<Required<Omit<WorkspaceOptions, "partitionMs">>> {
    return this.#opts;
  }

  /** Updates limits (takes effect for the next batch). */
  configure(opts: WorkspaceOptions): void {
    const next = normalise({ ...this.#opts, ...opts }, this.id);
    // Called per request by some callers: only a real change costs a recount.
    if (JSON.stringify(next) === JSON.stringify(this.#opts)) return;
    this.#opts = next;
    this.head.opts.oooWindowMs = this.#opts.oooWindowMs;
    this.#setBuckets();
    this.recount();
  }

  #setBuckets(): void {
    const n = this.#opts.limitsPerLabelSet.length;
    this.#bucketCount = new Int32Array(n);
    this.#bucketDefault = this.#opts.limitsPerLabelSet.findIndex((l) =>
      Object.keys(l.labelSet).length === 0
    );
  }

  /** Label-set limit indices a series falls in. */
  #bucketsOf(labels: Labels, out: number[]): void {
    out.length = 0;
    const limits = this.#opts.limitsPerLabelSet;
    for (let i = 0; i < limits.length; i++) {
      const set = limits[i].labelSet;
      let any = false, all = true;
      for (const name in set) {
        any = true;
        let found = false;
        for (const l of labels) {
          if (l.name === name) {
            found = l.value === set[name];
            break;
          }
        }
        if (!found) {
          all = false;
          break;
        }
      }
      if (any && all) out.push(i);
    }
    if (out.length === 0 && this.#bucketDefault >= 0) out.push(this.#bucketDefault);
  }

  /** Recomputes active series and label-set counts (active: a sample in the last 2 h). */
  recount(): void {
    const h = this.head;
    const since = h.maxT - ACTIVE_WINDOW_MS;
    let active = 0;
    this.#bucketCount.fill(0);
    const tmp: number[] = [];
    for (let sid = 1; sid < h.nextSid; sid++) {
      const labels = h.labels[sid];
      if (labels === undefined) continue;
      const last = Math.max(h.lastT[sid], h.histLastT.get(sid) ?? -Infinity);
      if (!(last >= since) && !Number.isNaN(h.maxT)) continue;
      active++;
      this.#bucketsOf(labels, tmp);
      for (const b of tmp) this.#bucketCount[b]++;
    }
    this.#activeCount = active;
  }

  /** Active series as last counted (plus series created since). */
  activeSeries(): number {
    return this.#activeCount;
  }

  /**
   * Validates and durably appends a request: resolves only after its samples and new series are
   * committed to KV. Rejections (StorageWriteError) change nothing.
   */
  append(req: WriteRequest): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new StorageClosedError("storage is closed"));
    // The series ids, looked up now: callers append right after validating the request, which
    // just touched every Labels object, so this finds them in cache; by the time the request is
    // staged (after the batches before it) they would be cache misses again.
    // The sample count for batching, too, while the series objects are in cache.
    // Series of a request usually come in the order they were created in, so their ids ascend
    // by one: the id after the previous series' is tried first, by identity against the head's
    // Labels (which does not read the Labels object, unlike the lookup's id tag).
    const series = req.series;
    const sids = new Int32Array(series.length);
    const known = this.head.labels;
    let samples = 0, sid = 0;
    for (let i = 0; i < series.length; i++) {
      const s = series[i];
      sid = sid + 1 < known.length && known[sid + 1] === s.labels
        ? sid + 1
        : this.head.lookup(s.labels);
      sids[i] = sid;
      samples += sampleCount(s) + s.histograms.length;
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ req, sids, samples, resolve, reject });
      if (!this.#running) this.#pump().catch((e) => this.#fail(e));
      else this.#wake?.();
    });
  }

  /** Read access to this workspace. */
  querier(): Querier {
    return new KvQuerier(this);
  }

  /**
   * Metric metadata in the shape of Prometheus's `/api/v1/metadata`: metric → entries.
   * `metric` filters to one metric; `limit` caps metrics, `limitPerMetric` entries per metric.
   */
  metadata(
    metric?: string,
    limit = Infinity,
    limitPerMetric = Infinity,
  ): Record<string, { type: string; help: string; unit: string }[]> {
    const out: Record<string, { type: string; help: string; unit: string }[]> = {};
    let n = 0;
    for (const [name, list] of this.head.metadata) {
      if (metric !== undefined && metric !== "" && name !== metric) continue;
      if (n >= limit) break;
      out[name] = list.slice(0, limitPerMetric).map((m) => ({
        type: m.type,
        help: m.help,
        unit: m.unit,
      }));
      n++;
    }
    return out;
  }

  /**
   * Exemplars of series matching any of the selectors (each a matcher list) with timestamps in
   * [minT, maxT], grouped by series as in `/api/v1/query_exemplars`, ascending by time.
   */
  exemplars(
    selectors: readonly (readonly Matcher[])[],
    minT: number,
    maxT: number,
  ): { seriesLabels: Labels; exemplars: Exemplar[] }[] {
    const h = this.head;
    const sids = new Set<number>();
    for (const m of selectors) for (const sid of h.postings.select(m)) sids.add(sid);
    const bySid = new Map<number, Exemplar[]>();
    for (const x of h.exemplars) {
      if (!sids.has(x.sid) || x.ex.t < minT || x.ex.t > maxT) continue;
      let l = bySid.get(x.sid);
      if (l === undefined) bySid.set(x.sid, l = []);
      l.push(x.ex);
    }
    const out: { seriesLabels: Labels; exemplars: Exemplar[] }[] = [];
    for (const [sid, list] of bySid) {
      const labels = h.labels[sid];
      if (labels === undefined) continue;
      list.sort((a, b) => a.t - b.t);
      out.push({ seriesLabels: labels, exemplars: list });
    }
    out.sort((a, b) => labelsCompare(a.seriesLabels, b.seriesLabels));
    return out;
  }

  /** Head statistics for `status/tsdb`. */
  stats(limit = 10): HeadStats {
    return headStats(this.head, limit);
  }

  /**
   * The append loop. Batches are pipelined: while batch A's WAL record is being committed, batch
   * B is staged on top of A's overlay, and B's commit is started as soon as B is staged, behind
   * A's (KV's single writer takes them in order, without waiting for this thread to come back
   * between them). A is applied to the head (and its requests resolved) only after its commit,
   * then B after its own; before batch C is staged, A is settled, so at most two commits run and
   * C is staged on top of B alone. If A's commit fails, B (staged on top of A) fails with it.
   */
  async #pump(): Promise<void> {
    this.#running = true;
    try {
      for (;;) {
        if (this.#pauseRequested) {
          await this.#settleInflight();
          break;
        }
        if (this.#queue.length === 0 || this.#closed) {
          if (this.#closed) {
            await this.#settleInflight();
            for (const p of this.#queue.splice(0)) {
              p.reject(new StorageClosedError("storage is closed"));
            }
            break;
          }
          if (this.#older === undefined && this.#inflight === undefined) break;
          if (this.#older === undefined) {
            // One commit running: a request arriving before it ends is staged behind it at once.
            const f = this.#inflight!;
            await Promise.race([
              f.commit.then(() => {}, () => {}),
              new Promise<void>((r) => this.#wake = r),
            ]);
            this.#wake = undefined;
            if (this.#queue.length > 0 && !this.#closed && !this.#pauseRequested) continue;
          }
          await this.#settleOldest();
          continue;
        }
        while (this.head.pending.length > PENDING_CHUNKS_MAX) await this.#flush();
        // At most two commits in flight: the next batch is staged on top of one batch only.
        if (this.#older !== undefined) {
          await this.#settleOldest();
          continue; // the queue, closing and pausing are looked at again
        }
        let samples = 0, n = 0;
        while (n < this.#queue.length && n < BATCH_REQUESTS_MAX) {
          const q = this.#queue[n];
          samples += q.samples ?? requestSamples(q.req);
          n++;
          if (samples >= BATCH_SAMPLES_MAX) break;
        }
        const reqs = this.#queue.splice(0, n);
        const prev = this.#inflight?.stage;
        const stage = prev === this.#stages[0] ? this.#stages[1] : this.#stages[0];
        stage.begin(prev ? prev.nextSid : this.head.nextSid, this.#bucketCount.length);
        this.#prevFailed = false;
        for (const p of reqs) {
          const mark = stage.mark();
          try {
            p.result = await this.#stage(p.req, stage, p.sids);
            stage.accepted.push(p);
          } catch (e) {
            stage.rollback(mark);
            p.reject(e);
          }
        }
        if (stage.accepted.length === 0) continue;
        if (stage.batch.empty()) {
          // Nothing to write, but the answers rest on the batch below: it must commit first.
          await this.#settleInflight();
          if (this.#prevFailed) {
            // Staged on top of a batch that did not commit: stage these requests again.
            this.#queue.unshift(...stage.accepted);
            continue;
          }
          for (const p of stage.accepted) p.resolve(p.result!);
          continue;
        }
        const commit = this.#commit(stage.batch);
        commit.catch(() => {}); // observed by #settleOldest
        this.#older = this.#inflight;
        this.#inflight = { stage, commit };
        if (this.head.pending.length > 0 && this.#flushing === undefined) {
          this.#flushing = this.#flushLoop();
        }
        // Checkpoint when the WAL outgrows both the threshold and twice the last checkpoint, so
        // checkpoint I/O stays a fraction of WAL I/O however many series are open.
        const due = Math.max(this.#opts.checkpointWalBytes, 2 * this.log.ckptBytes);
        if (this.log.walBytes >= due && this.#ckptRunning === undefined) {
          this.#ckptRunning = writeCheckpoint(this).catch((e) => {
            // The WAL stays until a later checkpoint succeeds; nothing acknowledged is lost.
            if (!this.#closed) console.error(`storage: checkpoint of ${this.id} failed:`, e);
          }).finally(() => this.#ckptRunning = undefined);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /** The append loop broke (a BUG or a failing flusher): refuse everything until reopened. */
  async #fail(e: unknown): Promise<void> {
    console.error(`storage: workspace ${this.id} stops accepting writes:`, e);
    this.#closed = true;
    await this.#settleInflight().catch(() => {});
    for (const p of this.#queue.splice(0)) p.reject(e);
  }

  /** Settles every batch in flight, oldest first. */
  async #settleInflight(): Promise<void> {
    while (this.#older !== undefined || this.#inflight !== undefined) await this.#settleOldest();
  }

  /**
   * Waits for the oldest batch in flight to commit, then applies it to the head and resolves it.
   * If its commit failed, the batch committed behind it (staged on top of it) fails too.
   */
  async #settleOldest(): Promise<void> {
    const f = this.#older ?? this.#inflight;
    if (f === undefined) return;
    const behind = f === this.#older ? this.#inflight : undefined;
    if (f === this.#older) this.#older = undefined;
    else this.#inflight = undefined;
    let seq: number;
    try {
      seq = await f.commit;
    } catch (e) {
      this.#prevFailed = true;
      const failed = [f];
      if (behind !== undefined) {
        // Staged on f's overlay, it can never be applied; if its record was written, take it
        // back (without its first segment a record is incomplete, and replay skips it). Should
        // that fail too, a restart may replay it, like any commit whose answer was an error.
        this.#inflight = undefined;
        const written = await behind.commit.catch(() => undefined);
        if (written !== undefined) {
          await this.commitFenced(this.fencedAtomic().delete(walKey(this.id, written, 0)))
            .catch(() => {});
        }
        failed.push(behind);
      }
      for (const b of failed) {
        // Burn the ids: the record may exist in KV and be replayed after a restart.
        this.head.nextSid = Math.max(this.head.nextSid, b.stage.nextSid);
        for (const p of b.stage.accepted) p.reject(e);
      }
      this.log.appliedSeq = this.log.nextSeq - 1;
      return;
    }
    const b = f.stage.batch;
    try {
      this.head.applyBatch(b);
    } catch (e) {
      // Durable but not applied: the head no longer matches KV. Reopening recovers it.
      for (const p of f.stage.accepted) p.reject(e);
      throw e;
    }
    this.log.appliedSeq = seq;
    this.#activeCount += b.newSeries.length;
    const n = Math.min(this.#bucketCount.length, f.stage.buckets.length);
    for (let i = 0; i < n; i++) this.#bucketCount[i] += f.stage.buckets[i];
    for (const p of f.stage.accepted) p.resolve(p.result!);
  }

  #newSeries(labels: Labels, hash: number, st: Stage): number {
    const prev = this.#inflight?.stage;
    const max = this.#opts.activeSeriesMax;
    const staged = st.newCount + (prev?.newCount ?? 0);
    if (max > 0 && this.#activeCount + staged + 1 > max) {
      throw new SeriesLimitError(this.#opts.user, max, max);
    }
    const buckets = this.#bucketTmp;
    this.#bucketsOf(labels, buckets);
    const limits = this.#opts.limitsPerLabelSet;
    for (const i of buckets) {
      const lim = limits[i].limits.maxSeries;
      const have = this.#bucketCount[i] + st.buckets[i] + (prev?.buckets[i] ?? 0);
      if (lim > 0 && have + 1 > lim) {
        throw new LabelSetSeriesLimitError(this.#opts.user, lim, limits[i].labelSet);
      }
    }
    for (const i of buckets) st.buckets[i]++;
    return st.addNew(hash, labels, this.head.freeSids);
  }

  /**
   * Newest histogram timestamp of `sid` staged or applied so far. A method, not a closure in
   * #stage's loop: a closure capturing the loop's `sid` makes V8 allocate a context per series
   * and keep `sid` in it (measured: most of #stage's time at 2000 series per request).
   */
  #histLast(sid: number, st: Stage): number {
    return st.hist.get(sid) ?? this.#inflight?.stage.hist.get(sid) ??
      this.head.histLastT.get(sid) ?? -Infinity;
  }

  async #stage(req: WriteRequest, st: Stage, hints?: Int32Array): Promise<AppendResult> {
    const head = this.head, user = this.#opts.user, win = this.#opts.oooWindowMs;
    const b = st.batch;
    const ooo = this.#ooo;
    ooo.length = 0;
    let samples = 0, histograms = 0, exemplars = 0;
    // Indexed: in this async function a for-of allocated an iterator result per series.
    const series = req.series;
    // The batch in flight, read again after every await (which may settle it).
    let prev = this.#inflight?.stage;
    for (let si = 0; si < series.length; si++) {
      const s = series[si];
      // The hint holds while the head still has this very Labels object under that id (an
      // identity check: the Labels object itself is not touched).
      let sid = hints !== undefined ? hints[si] : 0;
      if (sid === 0 || head.labels[sid] !== s.labels) sid = head.lookup(s.labels);
      if (sid === 0) {
        const hash = hashLabels(s.labels);
        sid = st.lookupNew(hash, s.labels);
        if (sid === 0) sid = this.#inflight?.stage.lookupNew(hash, s.labels) ?? 0;
        if (sid === 0) sid = this.#newSeries(s.labels, hash, st);
      }
      // Decoded requests keep samples in request-wide columns: read them without views.
      let T: Float64Array, V: Float64Array, off: number, n: number;
      if (s instanceof ColumnSeries) {
        T = s.T;
        V = s.V;
        off = s.start;
        n = s.end - s.start;
      } else {
        T = s.t;
        V = s.v;
        off = 0;
        n = T.length;
      }
      if (n > 0) {
        let lastT: number, lastV: number;
        if (st.has(sid)) {
          lastT = st.lastT(sid);
          lastV = st.lastV(sid);
        } else if (prev !== undefined && prev.has(sid)) {
          lastT = prev.lastT(sid);
          lastV = prev.lastV(sid);
        } else if (sid < head.lastT.length) {
          lastT = head.lastT[sid];
          lastV = head.lastV[sid];
        } else {
          lastT = NaN;
          lastV = 0;
        }
        const e = b.beginEntry(sid);
        // Samples move by index (pushFrom/setFrom): a double passed to a call V8 does not inline
        // is boxed, which cost ~64 B of garbage per series here.
        let lastI = -1;
        for (let i = off; i < off + n; i++) {
          const t = T[i];
          if (!(t <= lastT)) {
            b.pushFrom(T, V, i);
            lastT = t;
            lastI = i;
          } else if (t === lastT) {
            const have = lastI >= 0 ? V[lastI] : lastV;
            if (!sameBits(V[i], have)) throw new DuplicateSampleError(user, t, s.labels);
          } else if (t >= lastT - win) {
            ooo.push({ sid, t, v: V[i], index: b.samples });
            b.pushFrom(T, V, i);
          } else {
            throw new OutOfOrderSampleError(user, t, s.labels);
          }
        }
        if (b.counts[e] === 0) b.entries--;
        // Nothing newer accepted: the newest sample is still what st, the batch in flight or the
        // head says, so there is nothing to record.
        if (lastI >= 0) st.setFrom(sid, T, V, lastI);
        samples += n;
      }
      if (s.histograms.length > 0) {
        // A point that is not newer must be checked against the head: settle the batch in flight.
        if (s.histograms[0].t <= this.#histLast(sid, st)) await this.#settleInflight();
        let last = this.#histLast(sid, st);
        const list = head.hist.get(sid);
        const points = [];
        for (const p of s.histograms) {
          if (p.t > last) last = p.t;
          else if (p.t < last - win) throw new OutOfOrderSampleError(user, p.t, s.labels);
          else {
            const have = pointAt(list, p.t) ?? pointAt(points, p.t) ?? stagedPoint(b, sid, p.t);
            if (have !== undefined) {
              if (JSON.stringify(have.h) !== JSON.stringify(p.h)) {
                throw new DuplicateSampleError(user, p.t, s.labels);
              }
              continue;
            }
          }
          points.push(p);
        }
        st.hist.set(sid, last);
        if (points.length > 0) b.hist.push({ sid, points });
        histograms += s.histograms.length;
        prev = this.#inflight?.stage;
      }
      // Indexed: a for-of here allocated an iterator per series (see validate.ts).
      const exs = s.exemplars;
      for (let i = 0; i < exs.length; i++) {
        b.exemplars.push({ sid, ex: exs[i] });
        exemplars++;
      }
    }
    for (const m of req.metadata) {
      const key = `${m.metric}\xff${m.type}\xff${m.help}\xff${m.unit}`;
      if (head.hasMetadata(m) || st.meta.has(key) || this.#inflight?.stage.meta.has(key)) continue;
      st.meta.add(key);
      b.metadata.push(m);
    }
    if (ooo.length > 0) {
      // Duplicates must be checked against everything before this batch: settle the one in flight.
      await this.#settleInflight();
      await this.#checkOoo(ooo, b, req);
    }
    return { samples, histograms, exemplars };
  }

  /** Rejects out-of-order samples whose timestamp already holds a different value. */
  async #checkOoo(items: OooCheck[], b: Batch, req: WriteRequest): Promise<void> {
    const bySid = new Map<number, OooCheck[]>();
    for (const it of items) {
      const l = bySid.get(it.sid);
      if (l === undefined) bySid.set(it.sid, [it]);
      else l.push(it);
    }
    // Batch entries of each series with out-of-order samples, found in one pass (not per series).
    const entriesBySid = new Map<number, number[]>();
    for (let e = 0; e < b.entries; e++) {
      const l = entriesBySid.get(b.sids[e]);
      if (l !== undefined) l.push(e);
      else if (bySid.has(b.sids[e])) entriesBySid.set(b.sids[e], [e]);
    }
    for (const [sid, list] of bySid) {
      const known = new Map<number, number>();
      const own = new Set(list.map((x) => x.index));
      // Other samples of this batch.
      for (const e of entriesBySid.get(sid) ?? []) {
        for (let i = b.starts[e]; i < b.starts[e] + b.counts[e]; i++) {
          if (!known.has(b.t[i]) && !own.has(i)) known.set(b.t[i], b.v[i]);
        }
      }
      let minT = Infinity, maxT = -Infinity;
      for (const x of list) {
        if (x.t < minT) minT = x.t;
        if (x.t > maxT) maxT = x.t;
      }
      const stored = await readSeriesSamples(this, sid, minT, maxT, {
        headOnlyFromOpenChunk: true,
      });
      for (const c of stored) {
        for (let i = 0; i < c.t.length; i++) if (!known.has(c.t[i])) known.set(c.t[i], c.v[i]);
      }
      for (const x of list) {
        const have = known.get(x.t);
        if (have !== undefined && !sameBits(have, x.v)) {
          const labels = this.head.labels[sid] ?? this.#labelsOfStaged(sid, b) ??
            req.series[0].labels;
          throw new DuplicateSampleError(this.#opts.user, x.t, labels);
        }
        known.set(x.t, x.v);
      }
    }
  }

  #labelsOfStaged(sid: number, b: Batch): Labels | undefined {
    return b.newSeries.find((s) => s.sid === sid)?.labels;
  }

  async #commit(b: Batch): Promise<number> {
    // Views of a reused buffer, one per batch in flight: the record two before this one (same
    // parity) has finished its commits, because #pump settles it before staging this batch.
    const writer = this.#writers[this.log.nextSeq & 1];
    encodeBatch(b, writer);
    const segs = this.#segmenters[this.log.nextSeq & 1].split(writer.view());
    const seq = this.log.nextSeq++;
    this.log.walRecord(seq, segs.length, writer.length);
    const meta = new Map<string, MetricMetadata[]>();
    for (const m of b.metadata) {
      const list = meta.get(m.metric) ?? [...(this.head.metadata.get(m.metric) ?? [])];
      list.push(m);
      while (list.length > METADATA_PER_METRIC_MAX) list.shift();
      meta.set(m.metric, list);
    }
    let i = 0;
    while (i < segs.length) {
      const op = this.fencedAtomic();
      const end = Math.min(segs.length, i + WAL_SEGMENTS_PER_ATOMIC_MAX);
      let bytes = 0, mutations = 0;
      for (; i < end; i++) {
        op.set(walKey(this.id, seq, i), segs[i]);
        bytes += segs[i].length + 64;
        mutations++;
      }
      if (i === segs.length) {
        // Metadata rides in the record's last commit: it becomes durable with the record.
        for (const [metric, list] of meta) {
          let size = 256;
          for (const m of list) size += (m.metric.length + m.type.length + m.help.length) * 3 + 64;
          if (bytes + size > FLUSH_BYTES_PER_ATOMIC || mutations >= FLUSH_CHUNKS_PER_ATOMIC) break;
          op.set(metadataKey(this.id, metric), list);
          bytes += size;
          mutations++;
          meta.delete(metric);
        }
      }
      await this.commitFenced(op);
    }
    for (const [metric, list] of meta) {
      await this.commitFenced(this.fencedAtomic().set(metadataKey(this.id, metric), list));
    }
    return seq;
  }

  /** Writes pending closed chunks until none are left. */
  async #flushLoop(): Promise<void> {
    try {
      while (this.head.pending.length > 0) {
        // Fenced: after a takeover, this instance's head may cut chunks differently from the
        // new writer's, and must not overwrite what it wrote.
        // The oldest pending chunks, packed into blocks (chunk_blocks.ts); a crash between
        // commits only leaves chunks that the WAL replay writes again (reads drop repeats).
        let n = 0, taken = 0;
        for (const c of this.head.pending) {
          if (n > 0 && taken + c.bytes.length > CHUNK_FLUSH_ROUND_BYTES_MAX) break;
          taken += c.bytes.length;
          n++;
        }
        const blocks = packChunkBlocks(this.head.pending.slice(0, n));
        for (let i = 0; i < blocks.length;) {
          const op = this.fencedAtomic();
          let m = 0, bytes = 0;
          for (; i < blocks.length; i++) {
            const b = blocks[i];
            if (
              m > 0 &&
              (m >= FLUSH_CHUNKS_PER_ATOMIC || bytes + b.bytes.length > FLUSH_BYTES_PER_ATOMIC)
            ) {
              break;
            }
            op.set(chunkBlockKey(this.id, b.partition, b.sidLo, b.id), b.bytes);
            m++;
            bytes += b.bytes.length + 64;
          }
          await this.commitFenced(op);
        }
        // Cached chunk lists take the flushed chunks through Head.onFlushed (chunk_lists.ts).
        this.head.dropPending(n);
      }
    } catch (e) {
      this.#flushError = e;
      if (!this.#fenced) console.error(`storage: chunk flush failed for workspace ${this.id}:`, e);
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Waits until every closed chunk is written to KV. */
  async #flush(): Promise<void> {
    while (this.head.pending.length > 0) {
      if (this.#flushing === undefined) this.#flushing = this.#flushLoop();
      await this.#flushing;
      if (this.#flushError !== undefined) {
        const e = this.#flushError;
        this.#flushError = undefined;
        throw e;
      }
    }
  }

  /** Waits for queued appends and pending chunk writes. */
  async flush(): Promise<void> {
    while (this.#running || this.#queue.length > 0) await new Promise((r) => setTimeout(r, 1));
    await this.#flush();
  }

  /**
   * Writes a checkpoint of the head at the current WAL position, then deletes the WAL records
   * and older checkpoints it replaces.
   */
  async checkpoint(): Promise<void> {
    await this.flush();
    while (this.#ckptRunning) await this.#ckptRunning;
    this.#ckptRunning = writeCheckpoint(this).finally(() => this.#ckptRunning = undefined);
    await this.#ckptRunning;
  }

  /**
   * Maintenance (call every minute or so): closes idle open chunks, recounts active series and
   * moves series idle for `coldAfterMs` out of memory.
   */
  async maintain(): Promise<{ evicted: number }> {
    const h = this.head;
    if (this.#closed || Number.isNaN(h.maxT)) return { evicted: 0 };
    h.closeIdleChunks(h.maxT);
    this.recount();
    const evicted = await this.#exclusive(() => this.#evictCold(h.maxT - this.#opts.coldAfterMs));
    return { evicted };
  }

  /**
   * Runs `fn` with the append loop paused (after the batch in flight settles), so nothing is
   * staged against series that `fn` changes; queued appends resume afterwards.
   */
  async #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.#pauseRequested = true;
    while (this.#running) await new Promise((r) => setTimeout(r, 1));
    this.#pauseRequested = false;
    this.#running = true;
    try {
      return await fn();
    } finally {
      this.#running = false;
      if (this.#queue.length > 0) this.#pump().catch((e) => this.#fail(e));
    }
  }

  /**
   * Moves series without a sample since `beforeT` out of memory: writes the cold index (one key
   * per partition they have data in, and their newest partition), then drops them from the
   * head. Their chunks and series records stay in KV; reads find them through the index.
   */
  async #evictCold(beforeT: number): Promise<number> {
    const h = this.head, P = this.partitionMs;
    await this.#flush(); // every closed chunk durable, so nothing of theirs is pending
    let sids = h.evictable(beforeT);
    // Series whose records a running checkpoint is writing stay for a later round: if that
    // checkpoint fails it hands them back as unrecorded, and their labels must still be here.
    const recording = this.log.recording;
    if (recording.length > 0 && sids.length > 0) {
      const busy = new Set(recording);
      sids = sids.filter((sid) => !busy.has(sid));
    }
    if (sids.length === 0) return 0;
    const empty = new Uint8Array(0);
    let op = this.fencedAtomic(), n = 0;
    const put = async (key: Deno.KvKey, value: unknown) => {
      op.set(key, value);
      if (++n >= FLUSH_CHUNKS_PER_ATOMIC) {
        await this.commitFenced(op);
        op = this.fencedAtomic();
        n = 0;
      }
    };
    // Their series records must exist (normally written by the next checkpoint), before the
    // cold index names them.
    const evicting = new Set(sids);
    const recordSids: number[] = [], recordLabels: Labels[] = [];
    for (const sid of h.unrecorded) {
      if (!evicting.has(sid)) continue;
      recordSids.push(sid);
      recordLabels.push(h.labels[sid]!);
    }
    await writeSeriesRecords(this, recordSids, recordLabels);
    for (const sid of sids) {
      const last = h.lastSampleT(sid);
      if (Number.isFinite(h.firstT[sid]) && Number.isFinite(last)) {
        for (let p = partitionOf(h.firstT[sid], P); p <= partitionOf(last, P); p++) {
          await put(coldPartitionKey(this.id, p, sid), empty);
        }
      }
      await put(coldSeriesKey(this.id, sid), Number.isFinite(last) ? partitionOf(last, P) : 0);
    }
    if (n > 0) await this.commitFenced(op);
    h.unrecorded = h.unrecorded.filter((sid) => !evicting.has(sid));
    for (const sid of sids) {
      const last = h.lastSampleT(sid);
      if (last > h.coldMaxT) h.coldMaxT = last;
    }
    h.removeSeriesMany(sids);
    h.purgeExemplars();
    this.recount();
    return sids.length;
  }

  /**
   * Deletes every partition ending at or before `nowMs - days`, and forgets series with no
   * samples left. Whole partitions only: no sample is read.
   */
  applyRetention(days: number, nowMs: number): Promise<{ partitions: number }> {
    return applyRetentionTo(this, days, nowMs);
  }

  /** Waits until every closed chunk queued before `mark` (Head.pendingTotal()) is in KV. */
  async flushChunksUntil(mark: number): Promise<void> {
    while (this.head.pendingBase < mark) {
      if (this.#flushing === undefined) this.#flushing = this.#flushLoop();
      await this.#flushing;
      if (this.#flushError !== undefined) throw this.#flushError;
    }
  }

  /** Stops accepting appends, drains the queue and the flusher, and checkpoints. */
  async close(opts: { checkpoint?: boolean } = {}): Promise<void> {
    await this.flush().catch((e) => {
      if (!this.#fenced) throw e;
    });
    // A fenced instance has nothing left to write: the new writer owns the workspace.
    if (opts.checkpoint !== false && !this.#fenced) {
      await this.checkpoint().catch((e) => {
        if (!(e instanceof WriterLeaseLostError)) throw e;
      });
    }
    this.#closed = true;
  }

  /** True when another instance took the writer lease from this one. */
  get fenced(): boolean {
    return this.#fenced;
  }

  /** Waits until nothing is being written: appends, chunk flushes and a running checkpoint. */
  async quiesce(): Promise<void> {
    await this.flush();
    while (this.#ckptRunning) await this.#ckptRunning;
    await this.#flush();
  }

  /** Marks the workspace closed without writing anything (after its data was deleted). */
  abandon(): void {
    this.#closed = true;
  }
}

function normalise(
  o: WorkspaceOptions,
  id: string,
): Required<Omit<WorkspaceOptions, "partitionMs">> {
  const r = {
    oooWindowMs: o.oooWindowMs ?? OOO_WINDOW_MS_DEFAULT,
    activeSeriesMax: o.activeSeriesMax ?? ACTIVE_SERIES_MAX_DEFAULT,
    limitsPerLabelSet: o.limitsPerLabelSet ?? [],
    user: o.user ?? id,
    exemplarsMax: o.exemplarsMax ?? EXEMPLARS_MAX_DEFAULT,
    checkpointWalBytes: o.checkpointWalBytes ?? CHECKPOINT_WAL_BYTES,
    coldAfterMs: o.coldAfterMs ?? COLD_AFTER_MS_DEFAULT,
  };
  if (!(r.oooWindowMs >= 0)) throw new RangeError(`invalid out-of-order window ${r.oooWindowMs}`);
  if (!(r.coldAfterMs > r.oooWindowMs)) {
    throw new RangeError(`coldAfterMs ${r.coldAfterMs} must exceed the out-of-order window`);
  }
  return r;
}

/** The point at time `t` in `list`, if any. (No closures in #stage's loop: see #histLast.) */
function pointAt(list: readonly HPoint[] | undefined, t: number): HPoint | undefined {
  if (list === undefined) return undefined;
  for (const p of list) if (p.t === t) return p;
  return undefined;
}

/** The point at time `t` staged for series `sid` in `b`, if any. */
function stagedPoint(b: Batch, sid: number, t: number): HPoint | undefined {
  for (const h of b.hist) if (h.sid === sid) return pointAt(h.points, t);
  return undefined;
}

function requestSamples(req: WriteRequest): number {
  let n = 0;
  for (const s of req.series) n += sampleCount(s) + s.histograms.length;
  return n;
}
