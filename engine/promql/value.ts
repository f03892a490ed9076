/**
 * Evaluator value types: a Sample (one labelled point), a Vector (samples at one step), a Series
 * (points of one label set over the steps, floats and histograms in columns) and a Matrix.
 * Scalars travel as a Matrix with one label-less series, as in Prometheus.
 */
import type { FloatHistogram, Labels } from "../model/mod.ts";

/** One labelled point. `h` set means a histogram sample (then `f` is unused). */
export interface Sample {
  metric: Labels;
  t: number;
  f: number;
  h: FloatHistogram | undefined;
  /** Delayed name removal: drop `__name__`/`__type__`/`__unit__` when the query finishes. */
  dropName: boolean;
}

/** Samples at one evaluation step. */
export type Vector = Sample[];

/** Points of one label set. `fT`/`fV` are float points, `hT`/`hV` histogram points, ascending. */
export interface Series {
  metric: Labels;
  fT: number[];
  fV: number[];
  hT: number[];
  hV: FloatHistogram[];
  dropName: boolean;
}

/** Series over all evaluation steps. */
export type Matrix = Series[];

/** A string value (only from a string literal at the top level). */
export interface StringValue {
  kind: "string";
  v: string;
}

/** A fresh empty series. */
export function newSeries(metric: Labels, dropName = false): Series {
  return { metric, fT: [], fV: [], hT: [], hV: [], dropName };
}
