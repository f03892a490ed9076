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

function insertSorted(list: number[], id: number): void {
  if (list.length === 0 || list[list.length - 1] < id) {
    list.push(id);
    return;
  }
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (list[m] < id) lo = m + 1;
    else hi = m;
  }
  if (list[lo] !== id) list.splice(lo, 0, id);
}

function removeSorted(list: number[], id: number): void {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (list[m] < id) lo = m + 1;
    else hi = m;
  }
  if (list[lo] === id) list.splice(lo, 1);
}

/** The postings index of one workspace head. */
export class MemPostings {
  readonly #index = new Map<string, Map<string, number[]>>();
  readonly #all: number[] = [];

  /** Adds a series. */
  add(id: number, labels: Labels): void {
    insertSorted(this.#all, id);
    for (const l of labels) {
      let values = this.#index.get(l.name);
      if (values === undefined) this.#index.set(l.name, values = new Map());
      let list = values.get(l.value);
      if (list === undefined) values.set(l.value, list = []);
      insertSorted(list, id);
    }
  }

  /** Removes a series. */
  delete(id: number, labels: Labels): void {
    removeSorted(this.#all, id);
    for (const l of labels) {
      const values = this.#index.get(l.name);
      const list = values?.get(l.value);
      if (values === undefined || list === undefined) continue;
      removeSorted(list, id);
      if (list.length === 0) values.delete(l.value);
      if (values.size === 0) this.#index.delete(l.name);
    }
  }

  /** All series ids (do not mutate). */
  all(): PostingsList {
    return this.#all;
  }

  /** Ids with `name="value"` (do not mutate). */
  get(name: string, value: string): PostingsList {
    return this.#index.get(name)?.get(value) ?? [];
  }

  /** Sorted label names. */
  labelNames(): string[] {
    return [...this.#index.keys()].sort();
  }

  /** The value → ids map of a label name (do not mutate). */
  values(name: string): ReadonlyMap<string, PostingsList> | undefined {
    return this.#index.get(name);
  }

  /** Iterates label names with their value maps. */
  entries(): IterableIterator<[string, Map<string, number[]>]> {
    return this.#index.entries();
  }

  /** Union of postings of `name`'s values accepted by `accept`. */
  #union(name: string, accept: (v: string) => boolean): number[] {
    const values = this.#index.get(name);
    if (values === undefined) return [];
    const lists: number[][] = [];
    for (const [v, list] of values) if (accept(v)) lists.push(list);
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
