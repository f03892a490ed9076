/**
 * Labels: the identity of a series. A `Labels` value is an array of name/value pairs sorted by
 * name, with unique names and no empty values (an empty value means "absent", as in Prometheus).
 */
import { goQuote } from "./go_format.ts";

/** The label that carries the metric name. */
export const METRIC_NAME = "__name__";

/** One label pair. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

/** A sorted, duplicate-free list of labels. Treat as immutable. */
export type Labels = readonly Label[];

/** The empty label set. */
export const EMPTY_LABELS: Labels = Object.freeze([]);

/** Builds sorted Labels from a record, dropping empty values. */
export function labelsFromRecord(record: Readonly<Record<string, string>>): Labels {
  const out: Label[] = [];
  for (const name in record) {
    const value = record[name];
    if (value !== "") out.push({ name, value });
  }
  out.sort(compareLabelName);
  return out;
}

/** Builds sorted Labels from pairs; later duplicates replace earlier ones; empty values are dropped. */
export function labelsFromPairs(pairs: Iterable<readonly [string, string]>): Labels {
  const map = new Map<string, string>();
  for (const [name, value] of pairs) map.set(name, value);
  const out: Label[] = [];
  for (const [name, value] of map) if (value !== "") out.push({ name, value });
  out.sort(compareLabelName);
  return out;
}

/** Returns a plain record of the labels. */
export function labelsToRecord(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}

/** The value of label `name`, or "" when absent. */
export function labelsGet(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return "";
}

/** True when `name` is present. */
export function labelsHas(labels: Labels, name: string): boolean {
  for (const l of labels) if (l.name === name) return true;
  return false;
}

/** Labels without the given names. */
export function labelsWithout(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => !names.has(l.name));
}

/** Labels keeping only the given names. */
export function labelsKeep(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => names.has(l.name));
}

/** Labels with `name` set to `value` (removed when `value` is ""). */
export function labelsSet(labels: Labels, name: string, value: string): Labels {
  const out = labels.filter((l) => l.name !== name);
  if (value !== "") {
    out.push({ name, value });
    out.sort(compareLabelName);
  }
  return out;
}

/**
 * A string that is equal for equal label sets and different otherwise; use as a Map key.
 * The separator bytes cannot occur in valid UTF-8 label text.
 */
export function labelsKey(labels: Labels): string {
  let s = "";
  for (const l of labels) s += l.name + "\xff" + l.value + "\xfe";
  return s;
}

/** Orders label sets as Prometheus's `labels.Compare`: pair by pair, name then value, shorter first. */
export function labelsCompare(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i], y = b[i];
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return a.length - b.length;
}

/** True when both label sets are identical. */
export function labelsEqual(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].name !== b[i].name || a[i].value !== b[i].value) return false;
  }
  return true;
}

const LEGACY_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Prometheus's `labels.Labels.String()`: `{a="1", b="2"}`, values Go-quoted, names quoted only
 * when they are not legacy identifiers (UTF-8 names).
 */
export function labelsString(labels: Labels): string {
  return "{" +
    labels.map((l) =>
      `${LEGACY_NAME_RE.test(l.name) ? l.name : goQuote(l.name)}=${goQuote(l.value)}`
    )
      .join(", ") +
    "}";
}

function compareLabelName(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
