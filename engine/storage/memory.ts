/**
 * MemoryStorage: an in-memory Querier for tests, the conformance runner and benchmarks.
 * Series are keyed by label set; samples are kept in growable typed-array columns, ascending by
 * time. Appending in time order is O(1) amortised; an out-of-order sample is inserted in place and
 * a sample at an existing timestamp replaces it (tests load whole blocks, so this is the simplest
 * faithful rule).
 */
import type { FloatHistogram } from "../model/histogram.ts";
import { type Labels, labelsCompare, labelsKey } from "../model/labels.ts";
import type { Matcher } from "../model/matcher.ts";
import { assertTimestampMs } from "../model/value.ts";
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
    if (ok) this.#sorted = null;
    return ok;
  }

  /** Drops all data. */
  clear(): void {
    this.#series.clear();
    this.#sorted = [];
  }

  /** Series matching all matchers with at least one sample in range, sorted by labels. */
  select(matchers: readonly Matcher[], hints: SelectHints): Promise<SeriesData[]> {
    const out: SeriesData[] = [];
    const { minT, maxT } = hints;
    for (const s of this.#matching(matchers)) {
      const lo = lowerBound(s.t, s.n, minT);
      const hi = upperBound(s.t, s.n, maxT);
      let ht: number[] | undefined;
      let h: FloatHistogram[] | undefined;
      for (let i = 0; i < s.ht.length; i++) {
        const t = s.ht[i];
        if (t < minT || t > maxT) continue;
        (ht ??= []).push(t);
        (h ??= []).push(s.h[i]);
      }
      if (hi <= lo && ht === undefined) continue;
      const data: {
        labels: Labels;
        t: Float64Array;
        v: Float64Array;
        ht?: Float64Array;
        h?: FloatHistogram[];
      } = { labels: s.labels, t: s.t.slice(lo, hi), v: s.v.slice(lo, hi) };
      if (ht !== undefined) {
        data.ht = Float64Array.from(ht);
        data.h = h;
      }
      out.push(data);
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
      this.#sorted = null;
    }
    return s;
  }

  *#matching(matchers: readonly Matcher[]): Generator<MemSeries> {
    this.#sorted ??= [...this.#series.values()].sort((a, b) => labelsCompare(a.labels, b.labels));
    outer: for (const s of this.#sorted) {
      for (const m of matchers) if (!m.matches(labelValue(s.labels, m.name))) continue outer;
      yield s;
    }
  }
}

function labelValue(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return "";
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
