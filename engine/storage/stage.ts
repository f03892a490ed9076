/**
 * The staging overlay of one group-commit batch: what the batch will change (per-series last
 * sample, new series, label-set counts, histogram and metadata bookkeeping) before it is
 * committed and applied to the head. Rejected requests roll back to their mark.
 */
import type { Labels } from "../model/labels.ts";
import { labelsEqual } from "../model/labels.ts";
import type { WriteRequest } from "../model/write.ts";
import { Batch, type BatchMark, type NewSeries } from "./wal.ts";

/** A queued append. */
export interface PendingAppend {
  req: WriteRequest;
  /**
   * Per series of `req`, the head's series id when `append()` was called (0: not in the head
   * then). A hint: staging uses it only while `head.labels[id]` is still the same object.
   */
  sids?: Int32Array;
  /** Float and histogram samples of `req` (counted by `append()`). */
  samples?: number;
  resolve: (r: { samples: number; histograms: number; exemplars: number }) => void;
  reject: (e: unknown) => void;
  result?: { samples: number; histograms: number; exemplars: number };
}

/** Everything needed to undo one request's staging. */
export interface StageMark {
  batch: BatchMark;
  nextSid: number;
  newCount: number;
  buckets: Int32Array;
  hist: Map<number, number>;
  meta: Set<string>;
}

/** One batch being staged (and, later, committed). */
export class Stage {
  readonly batch = new Batch();
  /** Requests accepted into the batch. */
  accepted: PendingAppend[] = [];
  /** Next series id to hand out. */
  nextSid = 1;
  /** Series created by this batch. */
  newCount = 0;
  /** New series per label-set limit. */
  buckets: Int32Array<ArrayBuffer> = new Int32Array(0);
  /** Newest histogram timestamp per series written by this batch. */
  hist = new Map<number, number>();
  /** Metadata entries written by this batch (metric\xfftype\xffhelp\xffunit). */
  meta = new Set<string>();
  #newByHash = new Map<number, NewSeries[]>();
  #gen = 0;
  #genOf = new Uint32Array(1024);
  #t = new Float64Array(1024);
  #v = new Float64Array(1024);
  /**
   * Undo log of set() since the last mark(): series id, previous generation, and last t and v
   * when that generation is the current one. Typed arrays kept between requests (a JS array
   * emptied per request regrew, by doubling, to 4 numbers per series of every request),
   * bit-exact for NaN payloads such as the staleness marker.
   */
  #undoSid = new Int32Array(1024);
  #undoGen = new Uint32Array(1024);
  #undoT = new Float64Array(1024);
  #undoV = new Float64Array(1024);
  #undoN = 0;
  #reused: number[] = [];
  #free: number[] | undefined;

  /** Starts a new batch whose series ids begin at `nextSid`. */
  begin(nextSid: number, buckets: number): void {
    this.batch.reset();
    this.accepted = [];
    this.nextSid = nextSid;
    this.newCount = 0;
    if (this.buckets.length !== buckets) this.buckets = new Int32Array(buckets);
    else this.buckets.fill(0);
    this.hist.clear();
    this.meta.clear();
    this.#newByHash.clear();
    this.#undoN = 0;
    if (++this.#gen === 0xffffffff) {
      this.#genOf.fill(0);
      this.#gen = 1;
    }
  }

  /** True when the batch set the last sample of `sid`. */
  has(sid: number): boolean {
    return sid < this.#genOf.length && this.#genOf[sid] === this.#gen;
  }

  /** Last staged timestamp of `sid` (valid when has()). */
  lastT(sid: number): number {
    return this.#t[sid];
  }

  /** Last staged value of `sid` (valid when has()). */
  lastV(sid: number): number {
    return this.#v[sid];
  }

  /** `set(sid, T[i], V[i])` without passing doubles through a call (they would be boxed). */
  setFrom(sid: number, T: Float64Array, V: Float64Array, i: number): void {
    this.#logUndo(sid);
    this.#genOf[sid] = this.#gen;
    this.#t[sid] = T[i];
    this.#v[sid] = V[i];
  }

  /** Records the last sample of `sid`, remembering the previous state for rollback. */
  set(sid: number, t: number, v: number): void {
    this.#logUndo(sid);
    this.#genOf[sid] = this.#gen;
    this.#t[sid] = t;
    this.#v[sid] = v;
  }

  /**
   * Makes room for `sid` and logs its current state for rollback: its generation, and its last
   * sample only when this batch had set one (otherwise has() is false again after the rollback,
   * and nothing reads the sample: the usual case, a series' first sample in the batch).
   */
  #logUndo(sid: number): void {
    if (sid >= this.#genOf.length) this.#growState(sid);
    const u = this.#undoN;
    if (u === this.#undoSid.length) this.#growUndo();
    const g = this.#genOf[sid];
    this.#undoSid[u] = sid;
    this.#undoGen[u] = g;
    if (g === this.#gen) {
      this.#undoT[u] = this.#t[sid];
      this.#undoV[u] = this.#v[sid];
    }
    this.#undoN = u + 1;
  }

  #growState(sid: number): void {
    let cap = this.#genOf.length;
    while (cap <= sid) cap *= 2;
    const g = new Uint32Array(cap), tt = new Float64Array(cap), vv = new Float64Array(cap);
    g.set(this.#genOf);
    tt.set(this.#t);
    vv.set(this.#v);
    this.#genOf = g;
    this.#t = tt;
    this.#v = vv;
  }

  /** The id of a series this batch creates with these labels, or 0. */
  lookupNew(hash: number, labels: Labels): number {
    const list = this.#newByHash.get(hash);
    if (list === undefined) return 0;
    for (const x of list) if (labelsEqual(x.labels, labels)) return x.sid;
    return 0;
  }

  /**
   * Creates a series in this batch, reusing an id from `free` (ids of series retention removed)
   * when there is one. Rollback gives reused ids back.
   */
  addNew(hash: number, labels: Labels, free: number[]): number {
    let sid: number;
    if (free.length > 0) {
      sid = free.pop()!;
      this.#reused.push(sid);
      this.#free = free;
    } else sid = this.nextSid++;
    this.newCount++;
    this.batch.newSeries.push({ sid, labels, hash });
    this.#remember(hash, sid, labels);
    return sid;
  }

  #remember(hash: number, sid: number, labels: Labels): void {
    const list = this.#newByHash.get(hash);
    if (list === undefined) this.#newByHash.set(hash, [{ sid, labels }]);
    else list.push({ sid, labels });
  }

  #growUndo(): void {
    const n = this.#undoSid.length * 2;
    const sid = new Int32Array(n), gen = new Uint32Array(n);
    const t = new Float64Array(n), v = new Float64Array(n);
    sid.set(this.#undoSid);
    gen.set(this.#undoGen);
    t.set(this.#undoT);
    v.set(this.#undoV);
    this.#undoSid = sid;
    this.#undoGen = gen;
    this.#undoT = t;
    this.#undoV = v;
  }

  /** A mark before staging a request. */
  mark(): StageMark {
    this.#undoN = 0;
    this.#reused.length = 0;
    return {
      batch: this.batch.mark(),
      nextSid: this.nextSid,
      newCount: this.newCount,
      buckets: this.buckets.slice(),
      hist: new Map(this.hist),
      meta: new Set(this.meta),
    };
  }

  /** Undoes everything staged since `m`. */
  rollback(m: StageMark): void {
    this.batch.truncate(m.batch);
    for (let i = this.#undoN - 1; i >= 0; i--) {
      const sid = this.#undoSid[i], g = this.#undoGen[i];
      this.#genOf[sid] = g;
      if (g === this.#gen) {
        this.#t[sid] = this.#undoT[i];
        this.#v[sid] = this.#undoV[i];
      }
    }
    this.#undoN = 0;
    while (this.#reused.length > 0) this.#free!.push(this.#reused.pop()!);
    this.#newByHash.clear();
    for (const x of this.batch.newSeries) this.#remember(x.hash!, x.sid, x.labels);
    this.nextSid = m.nextSid;
    this.newCount = m.newCount;
    this.buckets = m.buckets as Int32Array<ArrayBuffer>;
    this.hist = m.hist;
    this.meta = m.meta;
  }
}
