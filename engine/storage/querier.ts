/**
 * The Querier seam: how PromQL and the HTTP API read a workspace's data. Implementations: the
 * KV-backed TSDB and the in-memory store used by tests.
 */
import type { Labels } from "../model/labels.ts";
import type { Matcher } from "../model/matcher.ts";
import type { FloatHistogram } from "../model/histogram.ts";

/** What the reader needs: samples with `minT <= t <= maxT` (ms, inclusive). */
export interface SelectHints {
  minT: number;
  maxT: number;
}

/**
 * One selected series with its samples in the requested range, decoded into columns.
 * Float samples: `t[i]`, `v[i]` ascending by time; staleness markers are kept as STALE_NAN.
 * Histogram samples (if any) in `ht`/`h`, ascending. The arrays are owned by the caller.
 */
export interface SeriesData {
  readonly labels: Labels;
  readonly t: Float64Array;
  readonly v: Float64Array;
  /** True when the reader knows no float value is NaN (so none is a staleness marker). */
  readonly noNaN?: boolean;
  /**
   * When set, `t`/`v` are these parts' columns concatenated in order (ascending, each part
   * starting after the previous one ends), and may be joined only when first read: readers that
   * can take the parts (range-function kernels) avoid that copy.
   */
  readonly parts?: readonly SeriesPart[];
  readonly ht?: Float64Array;
  readonly h?: readonly FloatHistogram[];
}

/** One part of a series' float samples (see SeriesData.parts). */
export interface SeriesPart {
  readonly t: Float64Array;
  readonly v: Float64Array;
}

/** Read access to one workspace. */
export interface Querier {
  /** Series matching all matchers, sorted by labels (labelsCompare), with samples in range. */
  select(matchers: readonly Matcher[], hints: SelectHints): Promise<SeriesData[]>;
  /** Sorted label names of series matching the matchers (all series when none) in range. */
  labelNames(matchers: readonly Matcher[], hints: SelectHints): Promise<string[]>;
  /** Sorted values of label `name` over series matching the matchers in range. */
  labelValues(name: string, matchers: readonly Matcher[], hints: SelectHints): Promise<string[]>;
}
