/**
 * Head statistics for `/api/v1/status/tsdb`: series count, time bounds and the top-N tables
 * Prometheus reports (series per metric name, label values per label name, memory per label
 * name, series per label pair).
 */
import { METRIC_NAME } from "../model/labels.ts";
import type { Head } from "./head.ts";

/** One row of a top-N table. */
export interface StatRow {
  name: string;
  value: number;
}

/** What `status/tsdb` shows about the head. */
export interface HeadStats {
  numSeries: number;
  numLabelPairs: number;
  chunkCount: number;
  minTime: number;
  maxTime: number;
  seriesCountByMetricName: StatRow[];
  labelValueCountByLabelName: StatRow[];
  memoryInBytesByLabelName: StatRow[];
  seriesCountByLabelValuePair: StatRow[];
}

function top(rows: StatRow[], limit: number): StatRow[] {
  rows.sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return rows.slice(0, limit);
}

/** Computes head statistics with top-`limit` tables (Prometheus default 10). */
export function headStats(head: Head, limit = 10): HeadStats {
  const byMetric: StatRow[] = [];
  const valueCount: StatRow[] = [];
  const memory: StatRow[] = [];
  const pairs: StatRow[] = [];
  let numLabelPairs = 0;
  for (const [name, values] of head.postings.entries()) {
    valueCount.push({ name, value: values.size });
    let bytes = 0;
    for (const [value, ids] of values) {
      numLabelPairs++;
      bytes += value.length * ids.length;
      pairs.push({ name: `${name}=${value}`, value: ids.length });
      if (name === METRIC_NAME) byMetric.push({ name: value, value: ids.length });
    }
    memory.push({ name, value: bytes });
  }
  let chunks = 0;
  for (let sid = 1; sid < head.nextSid; sid++) if (head.chunkCount[sid] > 0) chunks++;
  return {
    numSeries: head.seriesCount,
    numLabelPairs,
    chunkCount: chunks + head.pending.length,
    minTime: Number.isNaN(head.minT) ? 0 : head.minT,
    maxTime: Number.isNaN(head.maxT) ? 0 : head.maxT,
    seriesCountByMetricName: top(byMetric, limit),
    labelValueCountByLabelName: top(valueCount, limit),
    memoryInBytesByLabelName: top(memory, limit),
    seriesCountByLabelValuePair: top(pairs, limit),
  };
}
