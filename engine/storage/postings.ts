/**
 * In-memory postings: label name → value → ascending series ids, plus the sorted list of all
 * series. Set operations work on sorted id arrays. Matcher evaluation follows Prometheus's
 * PostingsForMatchers: matchers that accept "" also select series without the label.
 */
import type { Labels } from "../model/labels.ts";
import type { Matcher } from "../model/matcher.ts";

/** Ascending series ids (a JS array, or a typed array view for long lists). */
export type PostingsList = ArrayLike<number>;

/** A copy of a list as a JS array. */
function toArray(list: PostingsList): number[] {
  const out: number[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i];
  return out;
}

/** Ids present in both sorted lists. */
export function intersectPostings(a: PostingsList, b: PostingsList): number[] {
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i], y = b[j];
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/** Ids of `a` not in `b`. */
export function subtractPostings(a: PostingsList, b: PostingsList): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    while (j < b.length && b[j] < x) j++;
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return out;
}

/** Union of sorted lists, sorted and duplicate-free. */
export function mergePostings(lists: readonly PostingsList[]): number[] {
  if (lists.length === 0) return [];
  if (lists.length === 1) return toArray(lists[0]);
  if (lists.length === 2) {
    const a = lists[0], b = lists[1], out: number[] = [];
    let i = 0, j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
      else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
      else {
        out.push(a[i++]);
        j++;
      }
    }
    return out;
  }
  const mid = lists.length >> 1;
  return mergePostings([mergePostings(lists.slice(0, mid)), mergePostings(lists.slice(mid))]);
}

/**
 * Lists up to this length are JS arrays kept at their exact length (copied on insert): a
 * pushed-to JS array reserves 16+ slots of 8 bytes, and most label values (e.g. `instance`) hold
 * a few series. Longer lists are `IdList`s: 4 bytes per id.
 */
const EXACT_LIST_MAX = 32;

/** A long postings list: ascending ids in `ids[0, n)`, grown by doubling. */
class IdList {
  ids: Int32Array;
  n: number;
  constructor(from: ArrayLike<number>, capacity: number) {
    this.ids = new Int32Array(capacity);
    for (let i = 0; i < from.length; i++) this.ids[i] = from[i];
    this.n = from.length;
  }

  /** The ids (a view, valid until the next change). */
  view(): Int32Array {
    return this.ids.subarray(0, this.n);
  }

  insert(id: number): void {
    const n = this.n;
    let at = n;
    if (n > 0 && this.ids[n - 1] >= id) {
      at = lowerBound(this.ids, n, id);
      if (this.ids[at] === id) return;
    }
    if (n === this.ids.length) {
      const g = new Int32Array(n * 2);
      g.set(this.ids);
      this.ids = g;
    }
    if (at < n) this.ids.copyWithin(at + 1, at, n);
    this.ids[at] = id;
    this.n = n + 1;
  }

  remove(id: number): void {
    const at = lowerBound(this.ids, this.n, id);
    if (at >= this.n || this.ids[at] !== id) return;
    this.ids.copyWithin(at, at + 1, this.n);
    this.n--;
  }
}

/** The postings of one value: one series id, ascending ids (2 to EXACT_LIST_MAX), or more. */
type Entry = number | number[] | IdList;

function lowerBound(list: ArrayLike<number>, n: number, id: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (list[m] < id) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** `e` with `id` inserted in order (the same object when it changed in place). */
function withId(e: Entry, id: number): Entry {
  if (typeof e === "number") return e === id ? e : e < id ? [e, id] : [id, e];
  if (e instanceof IdList) {
    e.insert(id);
    return e;
  }
  const at = lowerBound(e, e.length, id);
  if (at < e.length && e[at] === id) return e;
  if (e.length === EXACT_LIST_MAX) {
    const l = new IdList(e, 2 * EXACT_LIST_MAX);
    l.insert(id);
    return l;
  }
  const out = e.slice(0, at);
  out.push(id);
  for (let i = at; i < e.length; i++) out.push(e[i]);
  return out.slice();
}

/** `e` without `id`; undefined when nothing is left. */
function withoutId(e: Entry, id: number): Entry | undefined {
  if (typeof e === "number") return e === id ? undefined : e;
  if (e instanceof IdList) {
    e.remove(id);
    // Back to a JS array well below the switch point, so that add/remove does not flap.
    return e.n <= EXACT_LIST_MAX / 2 ? toArray(e.view()) : e;
  }
  const at = lowerBound(e, e.length, id);
  if (e[at] !== id) return e;
  if (e.length === 2) return e[1 - at];
  return e.slice(0, at).concat(e.slice(at + 1));
}

function asList(e: Entry): PostingsList {
  return typeof e === "number" ? [e] : e instanceof IdList ? e.view() : e;
}

/** The postings index of one workspace head. */
export class MemPostings {
  readonly #index = new Map<string, Map<string, Entry>>();
  readonly #all = new IdList([], 1024);

  /** Adds a series. */
  add(id: number, labels: Labels): void {
    this.#all.insert(id);
    for (const l of labels) {
      let values = this.#index.get(l.name);
      if (values === undefined) this.#index.set(l.name, values = new Map());
      const list = values.get(l.value);
      if (list === undefined) values.set(l.value, id);
      else {
        const next = withId(list, id);
        if (next !== list) values.set(l.value, next);
      }
    }
  }

  /** Removes a series. */
  delete(id: number, labels: Labels): void {
    this.#all.remove(id);
    for (const l of labels) {
      const values = this.#index.get(l.name);
      const list = values?.get(l.value);
      if (values === undefined || list === undefined) continue;
      const next = withoutId(list, id);
      if (next === undefined) values.delete(l.value);
      else if (next !== list) values.set(l.value, next);
      if (values.size === 0) this.#index.delete(l.name);
    }
  }

  /** All series ids (a view: do not mutate, valid until the next change). */
  all(): PostingsList {
    return this.#all.view();
  }

  /** Ids with `name="value"` (do not mutate; valid until the next change). */
  get(name: string, value: string): PostingsList {
    const e = this.#index.get(name)?.get(value);
    return e === undefined ? [] : asList(e);
  }

  /** Sorted label names. */
  labelNames(): string[] {
    return [...this.#index.keys()].sort();
  }

  /** Number of distinct values of a label name (0 when absent). */
  valueCount(name: string): number {
    return this.#index.get(name)?.size ?? 0;
  }

  /** The value → ids map of a label name (a copy; not for hot paths). */
  values(name: string): ReadonlyMap<string, PostingsList> | undefined {
    const values = this.#index.get(name);
    if (values === undefined) return undefined;
    const out = new Map<string, PostingsList>();
    for (const [v, e] of values) out.set(v, asList(e));
    return out;
  }

  /** Iterates label names with their value → ids maps (copies; not for hot paths). */
  *entries(): IterableIterator<[string, ReadonlyMap<string, PostingsList>]> {
    for (const name of this.#index.keys()) yield [name, this.values(name)!];
  }

  /** Union of postings of `name`'s values accepted by `accept`. */
  #union(name: string, accept: (v: string) => boolean): number[] {
    const values = this.#index.get(name);
    if (values === undefined) return [];
    const lists: PostingsList[] = [];
    let single: number[] | undefined;
    for (const [v, e] of values) {
      if (!accept(v)) continue;
      if (typeof e === "number") (single ??= []).push(e);
      else lists.push(asList(e));
    }
    // Single-series values (e.g. one per instance) are gathered into one sorted list.
    if (single !== undefined) lists.push(single.sort((a, b) => a - b));
    return mergePostings(lists);
  }

  /** Ids of series matching every matcher; no matchers selects every series. */
  select(matchers: readonly Matcher[]): number[] {
    let result: number[] | undefined;
    const subtract: Matcher[] = [];
    for (const m of matchers) {
      if (m.matchesEmpty()) {
        subtract.push(m);
        continue;
      }
      const list = m.type === "="
        ? this.get(m.name, m.value)
        : this.#union(m.name, (v) => m.matches(v));
      result = result === undefined ? toArray(list) : intersectPostings(result, list);
      if (result.length === 0) return result;
    }
    if (result === undefined) result = toArray(this.#all.view());
    for (const m of subtract) {
      // Series with the label and a value the matcher rejects drop out; series without it stay.
      const drop = this.#union(m.name, (v) => !m.matches(v));
      if (drop.length > 0) result = subtractPostings(result, drop);
    }
    return result;
  }
}
