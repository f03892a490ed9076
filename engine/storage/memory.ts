/**
 * MemoryStorage: an in-memory Querier for tests, the conformance runner and benchmarks.
 * Series are keyed by label set; samples are kept in growable typed-array columns, ascending by
 * time. Appending in time order is O(1) amortised; an out-of-order sample is inserted in place and
 * a sample at an existing timestamp replaces it (tests load whole blocks, so this is the simplest
 * faithful rule). Histograms are returned with the counter-reset hints a Prometheus TSDB reports on
 * read (see memory_hints.ts).
 */
import type { FloatHistogram } from "../model/histogram.ts";
import { type Labels, labelsCompare, labelsKey, METRIC_NAME } from "../model/labels.ts";
import type { Matcher } from "../model/matcher.ts";
import { assertTimestampMs } from "../model/value.ts";
import { tsdbCounterResetHints } from "./memory_hints.ts";
import type { Querier, SelectHints, SeriesData } from "./querier.ts";

/** One stored series: float samples in `t`/`v` (first `n` used), histograms in `ht`/`h`. */
class MemSeries {
  t = new Float64Array(8);
  v = new Float64Array(8);
  n = 0;
  ht: number[] = [];
  h: FloatHistogram[] = [];

  constructor(readonly labels: Labels) {}

  addFloat(t: number, v: number): void {
    const n = this.n;
    if (n === 0 || this.t[n - 1] < t) {
      if (n === this.t.length) this.#grow();
      this.t[n] = t;
      this.v[n] = v;
      this.n = n + 1;
      return;
    }
    const i = lowerBound(this.t, n, t);
    if (i < n && this.t[i] === t) {
      this.v[i] = v;
      return;
    }
    if (n === this.t.length) this.#grow();
    this.t.copyWithin(i + 1, i, n);
    this.v.copyWithin(i + 1, i, n);
    this.t[i] = t;
    this.v[i] = v;
    this.n = n + 1;
  }

  addHistogram(t: number, h: FloatHistogram): void {
    const n = this.ht.length;
    if (n === 0 || this.ht[n - 1] < t) {
      this.ht.push(t);
      this.h.push(h);
      return;
    }
    let i = 0;
    while (i < n && this.ht[i] < t) i++;
    if (this.ht[i] === t) this.h[i] = h;
    else {
      this.ht.splice(i, 0, t);
      this.h.splice(i, 0, h);
    }
  }

  /** True when the series has a histogram sample in [minT, maxT]. */
  hasHistogramsIn(minT: number, maxT: number): boolean {
    for (const t of this.ht) if (t >= minT && t <= maxT) return true;
    return false;
  }

  /** True when the series has any sample (float or histogram) in [minT, maxT]. */
  hasSamplesIn(minT: number, maxT: number): boolean {
    const i = lowerBound(this.t, this.n, minT);
    if (i < this.n && this.t[i] <= maxT) return true;
    for (const t of this.ht) if (t >= minT && t <= maxT) return true;
    return false;
  }

  #grow(): void {
    const t = new Float64Array(this.t.length * 2);
    const v = new Float64Array(this.v.length * 2);
    t.set(this.t);
    v.set(this.v);
    this.t = t;
    this.v = v;
  }
}

/** First index in `a[0..n)` whose value is >= x. */
function lowerBound(a: Float64Array, n: number, x: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in `a[0..n)` whose value is > x. */
function upperBound(a: Float64Array, n: number, x: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** An in-memory Querier: add samples, then select them with matchers and a time range. */
export class MemoryStorage implements Querier {
  #series = new Map<string, MemSeries>();
  #sorted: MemSeries[] | null = [];
  /** Series by metric name, each list sorted by labels (rebuilt lazily after changes). */
  #byName: Map<string, MemSeries[]> | null = null;

  /** Number of stored series. */
  get seriesCount(): number {
    return this.#series.size;
  }

  /** Appends one float sample (value may be NaN, ±Inf or STALE_NAN); `labels` must be sorted. */
  add(labels: Labels, t: number, v: number): void {
    assertTimestampMs(t);
    this.#get(labels).addFloat(t, v);
  }

  /** Appends one native-histogram sample. The histogram object is stored, not copied. */
  addHistogram(labels: Labels, t: number, h: FloatHistogram): void {
    assertTimestampMs(t);
    this.#get(labels).addHistogram(t, h);
  }

  /** Removes every series with exactly these labels. Returns true when one existed. */
  deleteSeries(labels: Labels): boolean {
    const ok = this.#series.delete(labelsKey(labels));
    if (ok) this.#sorted = this.#byName = null;
    return ok;
  }

  /** Drops all data. */
  clear(): void {
    this.#series.clear();
    this.#sorted = [];
    this.#byName = null;
  }

  /**
   * Series matching all matchers with at least one sample in range, sorted by labels. The float
   * columns of all returned series are views into one fresh buffer per column (one allocation per
   * call, not per series); they belong to the caller.
   */
  select(matchers: readonly Matcher[], hints: SelectHints): Promise<SeriesData[]> {
    const { minT, maxT } = hints;
    const picked: MemSeries[] = [];
    const los: number[] = [], his: number[] = [];
    let total = 0;
    for (const s of this.#matching(matchers)) {
      const lo = lowerBound(s.t, s.n, minT);
      const hi = upperBound(s.t, s.n, maxT);
      if (hi <= lo && !s.hasHistogramsIn(minT, maxT)) continue;
      picked.push(s);
      los.push(lo);
      his.push(Math.max(lo, hi));
      total += Math.max(0, hi - lo);
    }
    const tAll = new Float64Array(total), vAll = new Float64Array(total);
    const out: SeriesData[] = new Array(picked.length);
    let off = 0;
    for (let i = 0; i < picked.length; i++) {
      const s = picked[i], lo = los[i], n = his[i] - lo;
      tAll.set(s.t.subarray(lo, lo + n), off);
      vAll.set(s.v.subarray(lo, lo + n), off);
      const data: {
        labels: Labels;
        t: Float64Array;
        v: Float64Array;
        ht?: Float64Array;
        h?: FloatHistogram[];
      } = { labels: s.labels, t: tAll.subarray(off, off + n), v: vAll.subarray(off, off + n) };
      off += n;
      if (s.ht.length > 0) {
        let ht: number[] | undefined;
        let h: FloatHistogram[] | undefined;
        const hints = tsdbCounterResetHints(s.ht, s.h, s.t, s.n);
        for (let j = 0; j < s.ht.length; j++) {
          const t = s.ht[j];
          if (t < minT || t > maxT) continue;
          (ht ??= []).push(t);
          const stored = s.h[j];
          // Report the hint a TSDB would; the stored object itself is never changed.
          (h ??= []).push(
            stored.counterResetHint === hints[j]
              ? stored
              : { ...stored, counterResetHint: hints[j] },
          );
        }
        if (ht !== undefined) {
          data.ht = Float64Array.from(ht);
          data.h = h;
        }
      }
      out[i] = data;
    }
    return Promise.resolve(out);
  }

  /** Sorted label names over series matching the matchers (all series when none) in range. */
  labelNames(matchers: readonly Matcher[], hints: SelectHints): Promise<string[]> {
    const names = new Set<string>();
    for (const s of this.#matching(matchers)) {
      if (!s.hasSamplesIn(hints.minT, hints.maxT)) continue;
      for (const l of s.labels) names.add(l.name);
    }
    return Promise.resolve([...names].sort(compareStrings));
  }

  /** Sorted values of label `name` over series matching the matchers in range. */
  labelValues(name: string, matchers: readonly Matcher[], hints: SelectHints): Promise<string[]> {
    const values = new Set<string>();
    for (const s of this.#matching(matchers)) {
      if (!s.hasSamplesIn(hints.minT, hints.maxT)) continue;
      for (const l of s.labels) if (l.name === name) values.add(l.value);
    }
    return Promise.resolve([...values].sort(compareStrings));
  }

  #get(labels: Labels): MemSeries {
    const key = labelsKey(labels);
    let s = this.#series.get(key);
    if (s === undefined) {
      for (let i = 1; i < labels.length; i++) {
        if (labels[i - 1].name >= labels[i].name) {
          throw new Error(`BUG: labels not sorted or not unique at ${labels[i].name}`);
        }
      }
      s = new MemSeries(labels);
      this.#series.set(key, s);
      this.#sorted = this.#byName = null;
    }
    return s;
  }

  /** Matching series in label order; narrowed by the `__name__="x"` matcher when there is one. */
  #matching(matchers: readonly Matcher[]): MemSeries[] {
    this.#sorted ??= [...this.#series.values()].sort((a, b) => labelsCompare(a.labels, b.labels));
    let candidates = this.#sorted;
    for (const m of matchers) {
      if (m.type !== "=" || m.name !== METRIC_NAME) continue;
      if (this.#byName === null) {
        this.#byName = new Map();
        for (const s of this.#sorted) {
          const name = labelValue(s.labels, METRIC_NAME);
          const list = this.#byName.get(name);
          if (list) list.push(s);
          else this.#byName.set(name, [s]);
        }
      }
      candidates = this.#byName.get(m.value) ?? [];
      break;
    }
    if (matchers.length === 0) return candidates;
    const out: MemSeries[] = [];
    outer: for (const s of candidates) {
      for (const m of matchers) if (!m.matches(labelValue(s.labels, m.name))) continue outer;
      out.push(s);
    }
    return out;
  }
}

function labelValue(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return "";
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
