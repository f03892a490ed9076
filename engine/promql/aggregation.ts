/**
 * Aggregation operators over one step's samples: sum/avg (Kahan-compensated, incremental mean on
 * overflow), count, group, min, max, stddev/stdvar (Welford), quantile, topk/bottomk, limitk,
 * limit_ratio and count_values. Semantics follow Prometheus's engine aggregation code.
 */
import type { FloatHistogram, Labels } from "../model/mod.ts";
import { goQuote, labelsKey, METRIC_NAME } from "../model/mod.ts";
import type { AggregateOp, PosRange } from "./parser/mod.ts";
import type { Annotations } from "./annotations.ts";
import { ANNO } from "./annotations.ts";
import { floatLess, quantileOf } from "./functions/quantile.ts";
import { HistogramSum, IncompatibleSchemaError } from "./histogram_ops.ts";
import type { Matrix, Sample, Series, Vector } from "./value.ts";
import { labelsHash } from "./xxhash.ts";

/** Kahan-Babuska-Neumaier increment: returns [sum, compensation]. */
export function kahanInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) return [t, 0];
  if (Math.abs(sum) >= Math.abs(inc)) c += (sum - t) + inc;
  else c += (inc - t) + sum;
  return [t, c];
}

/** Grouping key and output labels of a series for `by`/`without`. */
export function groupingLabels(
  metric: Labels,
  grouping: readonly string[],
  without: boolean,
): Labels {
  if (without) {
    const drop = new Set(grouping);
    return metric.filter((l) => !drop.has(l.name) && l.name !== METRIC_NAME);
  }
  if (grouping.length === 0) return [];
  const keep = new Set(grouping);
  return metric.filter((l) => keep.has(l.name));
}

interface Group {
  labels: Labels;
  seen: boolean;
  f: number;
  mean: number;
  c: number;
  h: FloatHistogram | undefined;
  count: number;
  hasFloat: boolean;
  hasHistogram: boolean;
  incompatible: boolean;
  incrementalMean: boolean;
  values: number[];
  dropName: boolean;
  resetSeen: boolean;
  notResetSeen: boolean;
  hs: HistogramSum | undefined;
}

/** Per-node aggregation state: the input-series-to-group mapping is computed once. */
export class Aggregator {
  readonly #groupOf = new Map<Labels, Group>();
  readonly #groups = new Map<string, Group>();

  constructor(
    readonly op: AggregateOp,
    readonly grouping: readonly string[],
    readonly without: boolean,
    readonly annos: Annotations,
    readonly exprPos: PosRange,
  ) {}

  #group(metric: Labels): Group {
    let g = this.#groupOf.get(metric);
    if (g) return g;
    const labels = groupingLabels(metric, this.grouping, this.without);
    const key = labelsKey(labels);
    g = this.#groups.get(key);
    if (!g) {
      g = {
        labels,
        seen: false,
        f: 0,
        mean: 0,
        c: 0,
        h: undefined,
        count: 0,
        hasFloat: false,
        hasHistogram: false,
        incompatible: false,
        incrementalMean: false,
        values: [],
        dropName: false,
        resetSeen: false,
        notResetSeen: false,
        hs: undefined,
      };
      this.#groups.set(key, g);
    }
    this.#groupOf.set(metric, g);
    return g;
  }

  readonly #flags = { counterResetCollision: false, nhcbBoundsReconciled: false };

  /** Aggregates one step (sum, avg, count, group, min, max, stddev, stdvar, quantile). */
  step(vec: Vector, q: number): Vector {
    this.#flags.nhcbBoundsReconciled = false;
    const op = this.op;
    const order: Group[] = [];
    for (const g of this.#groups.values()) g.seen = false;
    for (const s of vec) {
      const g = this.#group(s.metric);
      const f = s.f, h = s.h;
      if (!g.seen) {
        g.seen = true;
        order.push(g);
        g.f = f;
        g.mean = f;
        g.c = 0;
        g.h = undefined;
        g.count = 1;
        g.hasFloat = false;
        g.hasHistogram = false;
        g.incompatible = false;
        g.incrementalMean = false;
        g.values = [];
        g.dropName = s.dropName;
        g.resetSeen = h?.counterResetHint === "reset";
        g.notResetSeen = h?.counterResetHint === "not_reset";
        switch (op) {
          case "sum":
          case "avg":
            if (h) {
              g.hs = new HistogramSum();
              g.hs.add(h, op === "avg");
              g.h = h;
              g.hasHistogram = true;
            } else {
              g.hs = undefined;
              g.hasFloat = true;
            }
            break;
          case "stddev":
          case "stdvar":
            if (h) {
              g.seen = false;
              order.pop();
              this.annos.info(ANNO.histogramIgnoredInAgg(op), this.exprPos);
            } else if (!Number.isFinite(f)) g.f = NaN;
            else g.f = 0;
            break;
          case "quantile":
            if (h) {
              g.seen = false;
              order.pop();
              this.annos.info(ANNO.histogramIgnoredInAgg(op), this.exprPos);
            }
            g.values = [f];
            break;
          case "group":
            g.f = 1;
            break;
          case "min":
          case "max":
            if (h) {
              g.seen = false;
              order.pop();
              this.annos.info(ANNO.histogramIgnoredInAgg(op), this.exprPos);
            }
            break;
        }
        continue;
      }
      if (g.incompatible) continue;
      if (s.dropName) g.dropName = true;
      switch (op) {
        case "sum":
          if (h) {
            this.#addHistogram(g, h, s.metric, false);
          } else {
            g.hasFloat = true;
            [g.f, g.c] = kahanInc(f, g.f, g.c);
          }
          break;
        case "avg":
          g.count++;
          if (h) {
            this.#addHistogram(g, h, s.metric, true);
          } else {
            g.hasFloat = true;
            if (!g.incrementalMean) {
              const [nv, nc] = kahanInc(f, g.f, g.c);
              if (nv !== Infinity && nv !== -Infinity) {
                g.f = nv;
                g.c = nc;
                break;
              }
              g.incrementalMean = true;
              g.mean = g.f / (g.count - 1);
              g.c = g.c / (g.count - 1);
            }
            const qq = (g.count - 1) / g.count;
            [g.mean, g.c] = kahanInc(f / g.count, qq * g.mean, qq * g.c);
          }
          break;
        case "group":
          break;
        case "max":
          if (h) {
            this.annos.info(ANNO.histogramIgnoredInAgg(op), this.exprPos);
            break;
          }
          if (g.f < f || Number.isNaN(g.f)) g.f = f;
          break;
        case "min":
          if (h) {
            this.annos.info(ANNO.histogramIgnoredInAgg(op), this.exprPos);
            break;
          }
          if (g.f > f || Number.isNaN(g.f)) g.f = f;
          break;
        case "count":
          g.count++;
          break;
        case "stddev":
        case "stdvar":
          if (h) {
            this.annos.info(ANNO.histogramIgnoredInAgg(op), this.exprPos);
            break;
          }
          g.count++;
          {
            const delta = f - g.mean;
            g.mean += delta / g.count;
            g.f += delta * (f - g.mean);
          }
          break;
        case "quantile":
          if (h) {
            this.annos.info(ANNO.histogramIgnoredInAgg(op), this.exprPos);
            break;
          }
          g.values.push(f);
          break;
        default:
          throw new Error(`BUG: unexpected aggregation ${op}`);
      }
    }
    if (this.#flags.nhcbBoundsReconciled) {
      this.annos.info("mismatched custom buckets were reconciled during aggregation", this.exprPos);
    }
    const out: Vector = [];
    for (const g of order) {
      if (!g.seen) continue;
      let f = g.f;
      let h: FloatHistogram | undefined = undefined;
      switch (op) {
        case "avg":
          if (g.hasFloat && g.hasHistogram) {
            this.annos.warn(ANNO.mixedFloatsHistogramsAgg(), this.exprPos);
            continue;
          }
          if (g.incompatible) continue;
          if (g.hasHistogram) h = g.hs!.result(true);
          else if (g.incrementalMean) f = g.mean + g.c;
          else f = g.f / g.count + g.c / g.count;
          break;
        case "count":
          f = g.count;
          break;
        case "stdvar":
          f = g.f / g.count;
          break;
        case "stddev":
          f = Math.sqrt(g.f / g.count);
          break;
        case "quantile":
          f = quantileOf(q, g.values);
          break;
        case "sum":
          if (g.hasFloat && g.hasHistogram) {
            this.annos.warn(ANNO.mixedFloatsHistogramsAgg(), this.exprPos);
            continue;
          }
          if (g.incompatible) continue;
          if (g.hasHistogram) h = g.hs!.result(false);
          else f = g.f + g.c;
          break;
      }
      if (g.resetSeen && g.notResetSeen && (op === "sum" || op === "avg")) {
        this.annos.warn("conflicting counter resets during histogram aggregation", this.exprPos);
      }
      out.push({ metric: g.labels, t: 0, f, h, dropName: g.dropName });
    }
    return out;
  }

  /** Adds a histogram to a sum (or, with `mean`, an avg) group; mixed schemas poison the group. */
  #addHistogram(g: Group, h: FloatHistogram, metric: Labels, mean: boolean): void {
    g.hasHistogram = true;
    if (!g.h) return;
    if (h.counterResetHint === "reset") g.resetSeen = true;
    if (h.counterResetHint === "not_reset") g.notResetSeen = true;
    try {
      g.hs!.add(h, mean);
      if (g.hs!.flags.nhcbBoundsReconciled) this.#flags.nhcbBoundsReconciled = true;
    } catch (e) {
      if (!(e instanceof IncompatibleSchemaError)) throw e;
      g.incompatible = true;
      this.annos.warn(
        `vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${
          goQuote(nameOf(metric))
        }`,
        this.exprPos,
      );
    }
  }
}

function nameOf(l: Labels): string {
  for (const x of l) if (x.name === METRIC_NAME) return x.value;
  return "";
}

/**
 * topk/bottomk/limitk/limit_ratio at one step; outputs keep their input labels. `keys` caches
 * each label set's group key across the steps of one query.
 */
export function aggregateK(
  op: AggregateOp,
  vec: Vector,
  param: number,
  grouping: readonly string[],
  without: boolean,
  annos: Annotations,
  pos: PosRange,
  keys?: Map<Labels, string>,
): Vector {
  const groups = new Map<string, Sample[]>();
  const order: Sample[][] = [];
  let k = 0, r = 0;
  if (op === "limit_ratio") {
    if (param === 0) return [];
    r = param < -1 ? -1 : param > 1 ? 1 : param;
  } else {
    k = Math.min(Math.trunc(param), vec.length);
    if (k < 1) return [];
  }
  for (const s of vec) {
    let key = keys?.get(s.metric);
    if (key === undefined) {
      key = labelsKey(groupingLabels(s.metric, grouping, without));
      keys?.set(s.metric, key);
    }
    let g = groups.get(key);
    if (!g) {
      groups.set(key, g = []);
      order.push(g);
    }
    if ((op === "topk" || op === "bottomk") && s.h) {
      annos.info(ANNO.histogramIgnoredInAgg(op), pos);
      continue;
    }
    if (op === "limit_ratio") {
      if (addRatioSample(r, s.metric)) g.push(s);
      continue;
    }
    if (op === "limitk") {
      if (g.length < k) g.push(s);
      continue;
    }
    g.push(s);
  }
  const out: Vector = [];
  for (const g of order) {
    if (op === "topk" || op === "bottomk") {
      // Stable selection as a heap would do: sort by value then take k.
      const sorted = selectK(g, k, op === "topk", sampleValue);
      out.push(...sorted);
    } else out.push(...g);
  }
  return out;
}

/**
 * The k largest (topk) or smallest (bottomk) samples, emulating Prometheus's heap so ties and
 * NaNs resolve alike: NaN loses to any number; output ordered best first. `val` reads an
 * element's value (samples or indexes into a column).
 */
export function selectK<T>(g: T[], k: number, top: boolean, val: (x: T) => number): T[] {
  // Emulate container/heap with Prometheus's comparison.
  const heap: T[] = [];
  const less = top
    ? (a: T, b: T) => floatLess(val(a), val(b)) < 0 // min-heap by value (NaN smallest)
    : (a: T, b: T) => reverseLess(val(a), val(b));
  const up = (j: number) => {
    while (j > 0) {
      const i = (j - 1) >> 1;
      if (i === j || !less(heap[j], heap[i])) break;
      [heap[i], heap[j]] = [heap[j], heap[i]];
      j = i;
    }
  };
  const down = (i0: number, n: number) => {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n || j1 < 0) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && less(heap[j2], heap[j1])) j = j2;
      if (!less(heap[j], heap[i])) break;
      [heap[i], heap[j]] = [heap[j], heap[i]];
      i = j;
    }
    return i > i0;
  };
  for (const s of g) {
    if (heap.length < k) {
      heap.push(s);
      up(heap.length - 1);
      continue;
    }
    const h0 = val(heap[0]), x = val(s);
    const better = top
      ? h0 < x || (Number.isNaN(h0) && !Number.isNaN(x))
      : h0 > x || (Number.isNaN(h0) && !Number.isNaN(x));
    if (better) {
      heap[0] = s;
      if (k > 1) down(0, heap.length);
    }
  }
  // sort.Reverse(heap): descending by the heap's less.
  return heap.sort((a, b) => (less(b, a) ? -1 : less(a, b) ? 1 : 0));
}

function sampleValue(s: Sample): number {
  return s.f;
}

function reverseLess(a: number, b: number): boolean {
  if (Number.isNaN(a)) return true;
  if (Number.isNaN(b)) return false;
  return a > b;
}

/** Deterministic per-series sampling for limit_ratio, from a hash of the labels. */
function addRatioSample(ratio: number, metric: Labels): boolean {
  const offset = ratioOffset(metric);
  return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1 + ratio);
}

/** A value in [0, 1) from the label set's hash, as Prometheus's HashRatioSampler. */
function ratioOffset(metric: Labels): number {
  return Number(labelsHash(metric)) / 18446744073709551616;
}

/** count_values at one step. */
export function countValues(
  vec: Vector,
  valueLabel: string,
  grouping: readonly string[],
  without: boolean,
  fmt: (s: Sample) => string,
): Vector {
  const groups = new Map<string, { labels: Labels; count: number }>();
  const order: { labels: Labels; count: number }[] = [];
  const g2 = without ? grouping : [...grouping, valueLabel];
  for (const s of vec) {
    const m = s.metric.filter((l) => l.name !== valueLabel);
    m.push({ name: valueLabel, value: fmt(s) });
    m.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const labels = groupingLabels(m, g2, without);
    const key = labelsKey(labels);
    const g = groups.get(key);
    if (g) g.count++;
    else {
      const ng = { labels, count: 1 };
      groups.set(key, ng);
      order.push(ng);
    }
  }
  return order.map((g) => ({ metric: g.labels, t: 0, f: g.count, h: undefined, dropName: false }));
}

/** Group keys by grouping (`by`/`without` and sorted names), then by label-set identity. */
const groupKeys = new Map<string, WeakMap<Labels, string>>();
/** Groupings whose keys are remembered; the oldest is forgotten first. */
const GROUPINGS_REMEMBERED_MAX = 64;

function groupKeyIn(
  cache: WeakMap<Labels, string>,
  metric: Labels,
  grouping: readonly string[],
  without: boolean,
): string {
  let key = cache.get(metric);
  if (key !== undefined) return key;
  key = "";
  for (const l of metric) {
    if (
      without ? !grouping.includes(l.name) && l.name !== METRIC_NAME : grouping.includes(l.name)
    ) {
      key += l.name + "\xff" + l.value + "\xfe";
    }
  }
  cache.set(metric, key);
  return key;
}

/**
 * A function giving each series' group key for `by`/`without` `grouping` (sorted): equal keys
 * for equal grouping labels. Keys are remembered per label-set object (series keep their Labels
 * across queries; at 100k series reading every label of every series again costs more than
 * the lookup).
 */
export function groupKeyFn(
  grouping: readonly string[],
  without: boolean,
): (metric: Labels) => string {
  const sig = (without ? "w\xff" : "b\xff") + grouping.join("\xff");
  let cache = groupKeys.get(sig);
  if (cache === undefined) {
    if (groupKeys.size >= GROUPINGS_REMEMBERED_MAX) {
      groupKeys.delete(groupKeys.keys().next().value!);
    }
    groupKeys.set(sig, cache = new WeakMap());
  }
  const c = cache;
  return (metric) => groupKeyIn(c, metric, grouping, without);
}

/** Aggregations the columnar fast path handles (float-only input). */
const COLUMNAR_OPS = new Set(["sum", "avg", "count", "group", "min", "max", "stddev", "stdvar"]);

/**
 * sum/avg/count/group/min/max/stddev/stdvar over float-only series, column by column: one
 * accumulator array per group instead of a vector per step. Same arithmetic as `Aggregator`
 * (Kahan sums, incremental mean on overflow, Welford variance). Returns undefined when the
 * input has histograms (the per-step path handles those).
 */
export function aggregateColumnar(
  op: AggregateOp,
  m: Matrix,
  grouping: readonly string[],
  without: boolean,
  start: number,
  interval: number,
  steps: number,
): Matrix | undefined {
  if (!COLUMNAR_OPS.has(op)) return undefined;
  for (const s of m) if (s.hT.length > 0) return undefined;
  const groupIdx = new Map<string, number>();
  const labels: Labels[] = [];
  const dropName: boolean[] = [];
  const seriesGroup = new Int32Array(m.length);
  const keyOf = groupKeyFn(grouping, without);
  for (let i = 0; i < m.length; i++) {
    const metric = m[i].metric;
    const key = keyOf(metric);
    let g = groupIdx.get(key);
    if (g === undefined) {
      g = labels.length;
      groupIdx.set(key, g);
      labels.push(groupingLabels(metric, grouping, without));
      dropName.push(false);
    }
    seriesGroup[i] = g;
  }
  const n = labels.length * steps;
  const cnt = new Float64Array(n);
  const f = new Float64Array(n);
  const c = new Float64Array(n);
  const mean = op === "avg" || op === "stddev" || op === "stdvar" ? new Float64Array(n) : undefined;
  const incr = op === "avg" ? new Uint8Array(n) : undefined;
  const inv = interval > 0 ? 1 / interval : 0;
  for (let i = 0; i < m.length; i++) {
    const s = m[i];
    const g = seriesGroup[i];
    if (s.fT.length > 0 && s.dropName) dropName[g] = true;
    const base = g * steps;
    for (let j = 0; j < s.fT.length; j++) {
      const k = steps === 1 ? 0 : Math.round((s.fT[j] - start) * inv);
      const x = base + k;
      const v = s.fV[j];
      const n0 = cnt[x];
      cnt[x] = n0 + 1;
      if (n0 === 0) {
        switch (op) {
          case "sum":
          case "min":
          case "max":
            f[x] = v;
            break;
          case "avg":
            f[x] = v;
            mean![x] = v;
            break;
          case "group":
            f[x] = 1;
            break;
          case "stddev":
          case "stdvar":
            f[x] = Number.isFinite(v) ? 0 : NaN;
            mean![x] = v;
            break;
        }
        continue;
      }
      switch (op) {
        case "sum": {
          // kahanInc inlined: no pair per sample.
          const sum = f[x], t = sum + v;
          if (t === Infinity || t === -Infinity) c[x] = 0;
          else if (Math.abs(sum) >= Math.abs(v)) c[x] += (sum - t) + v;
          else c[x] += (v - t) + sum;
          f[x] = t;
          break;
        }
        case "avg": {
          const count = n0 + 1;
          if (!incr![x]) {
            const [t, cc] = kahanInc(v, f[x], c[x]);
            if (t !== Infinity && t !== -Infinity) {
              f[x] = t;
              c[x] = cc;
              break;
            }
            incr![x] = 1;
            mean![x] = f[x] / (count - 1);
            c[x] = c[x] / (count - 1);
          }
          const q = (count - 1) / count;
          const [t, cc] = kahanInc(v / count, q * mean![x], q * c[x]);
          mean![x] = t;
          c[x] = cc;
          break;
        }
        case "max":
          if (f[x] < v || Number.isNaN(f[x])) f[x] = v;
          break;
        case "min":
          if (f[x] > v || Number.isNaN(f[x])) f[x] = v;
          break;
        case "stddev":
        case "stdvar": {
          const count = n0 + 1;
          const delta = v - mean![x];
          mean![x] += delta / count;
          f[x] += delta * (v - mean![x]);
          break;
        }
      }
    }
  }
  const out: Matrix = [];
  for (let g = 0; g < labels.length; g++) {
    const s: Series = { metric: labels[g], fT: [], fV: [], hT: [], hV: [], dropName: dropName[g] };
    const base = g * steps;
    for (let k = 0; k < steps; k++) {
      const x = base + k;
      const n0 = cnt[x];
      if (n0 === 0) continue;
      let v: number;
      switch (op) {
        case "sum":
          v = f[x] + c[x];
          break;
        case "avg":
          v = incr![x] ? mean![x] + c[x] : f[x] / n0 + c[x] / n0;
          break;
        case "count":
          v = n0;
          break;
        case "stdvar":
          v = f[x] / n0;
          break;
        case "stddev":
          v = Math.sqrt(f[x] / n0);
          break;
        default:
          v = f[x];
      }
      s.fT.push(start + k * interval);
      s.fV.push(v);
    }
    if (s.fT.length > 0) out.push(s);
  }
  return out;
}
