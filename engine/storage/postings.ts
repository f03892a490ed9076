/**
 * In-memory postings: label name → value → ascending series ids, plus the sorted list of all
 * series. Set operations work on sorted id arrays. Matcher evaluation follows Prometheus's
 * PostingsForMatchers: matchers that accept "" also select series without the label.
 */
import type { Labels } from "../model/labels.ts";
import type { Matcher } from "../model/matcher.ts";

/** Ascending series ids. */
export type PostingsList = readonly number[];

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
  if (lists.length === 1) return lists[0].slice();
  return merged(lists, 0, lists.length) as number[];
}

/** Union of `lists[lo, hi)` (hi > lo); a single list is returned as is, not copied. */
function merged(lists: readonly PostingsList[], lo: number, hi: number): PostingsList {
  if (hi - lo === 1) return lists[lo];
  const mid = (lo + hi) >> 1;
  const a = merged(lists, lo, mid), b = merged(lists, mid, hi), out: number[] = [];
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

/**
 * Lists shorter than this are kept at their exact length (copied on insert): a pushed-to JS
 * array reserves 16+ slots (8 bytes each), and most label values (e.g. `instance`) hold a few
 * series.
 */
const EXACT_LIST_MAX = 32;

/** Below this many series, deleteMany() removes them one by one. */
const BULK_DELETE_MIN = 64;

/** The postings of one value: one series id, or ascending ids (2 or more). */
type Entry = number | number[];

function lowerBound(list: readonly number[], id: number): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (list[m] < id) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** `list` with `id` inserted in order (the same array when long enough to grow in place). */
function withId(list: Entry, id: number): Entry {
  if (typeof list === "number") return list === id ? list : list < id ? [list, id] : [id, list];
  const last = list[list.length - 1];
  if (last === id) return list;
  const at = last < id ? list.length : lowerBound(list, id);
  if (at < list.length && list[at] === id) return list;
  if (list.length < EXACT_LIST_MAX) {
    const out = list.slice(0, at);
    out.push(id);
    for (let i = at; i < list.length; i++) out.push(list[i]);
    return out.slice();
  }
  if (at === list.length) list.push(id);
  else list.splice(at, 0, id);
  return list;
}

/** `list` without `id`; undefined when nothing is left. */
function withoutId(list: Entry, id: number): Entry | undefined {
  if (typeof list === "number") return list === id ? undefined : list;
  const at = lowerBound(list, id);
  if (list[at] !== id) return list;
  if (list.length === 2) return list[1 - at];
  if (list.length <= EXACT_LIST_MAX) return list.slice(0, at).concat(list.slice(at + 1));
  list.splice(at, 1);
  return list;
}

function asList(e: Entry): PostingsList {
  return typeof e === "number" ? [e] : e;
}

/** The postings index of one workspace head. */
export class MemPostings {
  readonly #index = new Map<string, Map<string, Entry>>();
  readonly #all: number[] = [];

  /** Adds a series. */
  add(id: number, labels: Labels): void {
    const all = this.#all;
    if (all.length === 0 || all[all.length - 1] < id) all.push(id);
    else {
      const at = lowerBound(all, id);
      if (all[at] !== id) all.splice(at, 0, id);
    }
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
    const all = this.#all;
    const at = lowerBound(all, id);
    if (all[at] === id) all.splice(at, 1);
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

  /**
   * Removes many series at once (`labels[i]` are those of `ids[i]`): each touched list is filtered once, so removing n series from
   * lists of n ids costs O(n) per list instead of O(n) per id (delete() splices one id at a time).
   */
  deleteMany(ids: readonly number[], labels: readonly Labels[]): void {
    if (ids.length !== labels.length) throw new Error("BUG: ids and labels differ in length");
    if (ids.length < BULK_DELETE_MIN) {
      for (let i = 0; i < ids.length; i++) this.delete(ids[i], labels[i]);
      return;
    }
    const gone = new Set(ids);
    const all = this.#all;
    let w = 0;
    for (let i = 0; i < all.length; i++) if (!gone.has(all[i])) all[w++] = all[i];
    all.length = w;
    // Label name -> values of it that lost a series.
    const touched = new Map<string, Set<string>>();
    for (const ls of labels) {
      for (const l of ls) {
        let vs = touched.get(l.name);
        if (vs === undefined) touched.set(l.name, vs = new Set());
        vs.add(l.value);
      }
    }
    for (const [name, vs] of touched) {
      const values = this.#index.get(name);
      if (values === undefined) continue;
      for (const v of vs) {
        const e = values.get(v);
        if (e === undefined) continue;
        if (typeof e === "number") {
          if (gone.has(e)) values.delete(v);
          continue;
        }
        const kept = e.filter((x) => !gone.has(x));
        if (kept.length === 0) values.delete(v);
        else if (kept.length === 1) values.set(v, kept[0]);
        else if (kept.length !== e.length) values.set(v, kept);
      }
      if (values.size === 0) this.#index.delete(name);
    }
  }

  /** All series ids (do not mutate). */
  all(): PostingsList {
    return this.#all;
  }

  /** Ids with `name="value"` (do not mutate). */
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
    const lists: number[][] = [];
    let single: number[] | undefined;
    for (const [v, e] of values) {
      if (!accept(v)) continue;
      if (typeof e === "number") (single ??= []).push(e);
      else lists.push(e);
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
      result = result === undefined ? list.slice() : intersectPostings(result, list);
      if (result.length === 0) return result;
    }
    if (result === undefined) result = this.#all.slice();
    for (const m of subtract) {
      // Series with the label and a value the matcher rejects drop out; series without it stay.
      const drop = this.#union(m.name, (v) => !m.matches(v));
      if (drop.length > 0) result = subtractPostings(result, drop);
    }
    return result;
  }
}
