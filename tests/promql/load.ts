/**
 * Loading `load` / `load_with_nhcb` blocks into MemoryStorage, including the conversion of
 * classic-histogram series into native histograms with custom buckets (NHCB).
 */
import type { FloatHistogram } from "../../engine/model/histogram.ts";
import {
  type Labels,
  labelsFromPairs,
  labelsString,
  labelsWithout,
  METRIC_NAME,
} from "../../engine/model/labels.ts";
import { STALE_NAN } from "../../engine/model/value.ts";
import type { MemoryStorage } from "../../engine/storage/memory.ts";
import type { LoadCmd } from "./test_file.ts";

/** Appends a load block; returns the metric names that received native histograms. */
export function loadInto(storage: MemoryStorage, cmd: LoadCmd): Set<string> {
  const names = new Set<string>();
  for (const { labels, values } of cmd.series.values()) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const t = i * cmd.intervalMs;
      if (v.kind === "float") storage.add(labels, t, v.v);
      else if (v.kind === "stale") storage.add(labels, t, STALE_NAN);
      else if (v.kind === "histogram") {
        storage.addHistogram(labels, t, v.h);
        names.add(metricName(labels));
      }
    }
  }
  if (cmd.withNhcb) appendNhcb(storage, cmd, names);
  return names;
}

function metricName(labels: Labels): string {
  return labels.find((l) => l.name === METRIC_NAME)?.value ?? "";
}

/** Converts classic histogram series of a `load_with_nhcb` block into NHCB samples. */
function appendNhcb(storage: MemoryStorage, cmd: LoadCmd, names: Set<string>): void {
  interface Temp {
    buckets: Map<number, number>;
    count?: number;
    sum?: number;
  }
  const groups = new Map<string, { labels: Labels; byT: Map<number, Temp> }>();
  for (const { labels, values } of cmd.series.values()) {
    const name = labels.find((l) => l.name === METRIC_NAME)?.value ?? "";
    const m = /^(.*)_(bucket|count|sum)$/.exec(name);
    if (!m) continue;
    let le = NaN;
    if (m[2] === "bucket") {
      const raw = labels.find((l) => l.name === "le")?.value;
      if (raw === undefined) continue;
      le = raw === "+Inf" ? Infinity : Number(raw);
      if (Number.isNaN(le)) continue;
    }
    const base = labelsFromPairs([
      ...labelsWithout(labels, new Set([METRIC_NAME, "le"])).map((l) => [l.name, l.value] as const),
      [METRIC_NAME, m[1]],
    ]);
    const key = labelsString(base);
    let g = groups.get(key);
    if (!g) groups.set(key, g = { labels: base, byT: new Map() });
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v.kind !== "float") continue;
      const t = i * cmd.intervalMs;
      let tmp = g.byT.get(t);
      if (!tmp) g.byT.set(t, tmp = { buckets: new Map() });
      if (m[2] === "bucket") tmp.buckets.set(le, v.v);
      else if (m[2] === "count") tmp.count = v.v;
      else tmp.sum = v.v;
    }
  }
  for (const g of groups.values()) {
    for (const [t, tmp] of [...g.byT].sort((a, b) => a[0] - b[0])) {
      const bounds = [...tmp.buckets.keys()].sort((a, b) => a - b);
      const customValues = bounds.filter((b) => b !== Infinity);
      const buckets: number[] = [];
      let prev = 0;
      for (const b of bounds) {
        const c = tmp.buckets.get(b)!;
        buckets.push(c - prev);
        prev = c;
      }
      const h: FloatHistogram = {
        schema: -53,
        zeroThreshold: 0,
        zeroCount: 0,
        count: tmp.count ?? prev,
        sum: tmp.sum ?? 0,
        positiveSpans: buckets.length ? [{ offset: 0, length: buckets.length }] : [],
        positiveBuckets: buckets,
        negativeSpans: [],
        negativeBuckets: [],
        customValues,
        counterResetHint: "unknown",
      };
      storage.addHistogram(g.labels, t, h);
      names.add(metricName(g.labels));
    }
  }
}
