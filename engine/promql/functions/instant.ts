/**
 * Instant-vector functions evaluated at one step: math and trig, clamp*, round, sort*, time and
 * date functions, scalar/vector, histogram_* (classic `le` buckets and native histograms).
 * Each takes the argument values at the step and returns the output vector.
 */
import type { FloatHistogram, Labels } from "../../model/mod.ts";
import { labelsCompare, labelsGet, labelsKey, METRIC_NAME } from "../../model/mod.ts";
import type { Expr, PosRange } from "../parser/mod.ts";
import type { Annotations } from "../annotations.ts";
import { ANNO } from "../annotations.ts";
import { goQuote } from "../../model/go_format.ts";
import { formatFloatG } from "../../model/go_format.ts";
import type { Sample, Vector } from "../value.ts";
import {
  type Bucket,
  bucketFraction,
  bucketQuantile,
  floatLess,
  histogramBuckets,
  histogramFraction,
  histogramQuantileInfo,
} from "./quantile.ts";

/** What an instant function sees besides its arguments. */
export interface CallEnv {
  /** Evaluation time (ms). */
  ts: number;
  args: readonly Expr[];
  annos: Annotations;
  /** Position of the whole call. */
  pos: PosRange;
}

/** An instant function: argument values at one step (scalars as one-sample vectors). */
export type InstantFn = (vals: Vector[], env: CallEnv) => Vector;

function simple(fn: (f: number) => number): InstantFn {
  return (vals) => {
    const out: Vector = [];
    for (const s of vals[0]) {
      if (s.h) continue;
      out.push({ metric: s.metric, t: s.t, f: fn(s.f), h: undefined, dropName: true });
    }
    return out;
  };
}

function histogramFn(fn: (h: FloatHistogram) => number): InstantFn {
  return (vals) => {
    const out: Vector = [];
    for (const s of vals[0]) {
      if (!s.h) continue;
      out.push({ metric: s.metric, t: s.t, f: fn(s.h), h: undefined, dropName: true });
    }
    return out;
  };
}

function clamp(vec: Vector, min: number, max: number): Vector {
  if (max < min) return [];
  const out: Vector = [];
  for (const s of vec) {
    if (s.h) continue;
    out.push({
      metric: s.metric,
      t: s.t,
      f: Math.max(min, Math.min(max, s.f)),
      h: undefined,
      dropName: true,
    });
  }
  return out;
}

function dateFn(fn: (d: Date) => number): InstantFn {
  return (vals, env) => {
    if (vals.length === 0) {
      return [{
        metric: [],
        t: env.ts,
        f: fn(new Date(Math.floor(env.ts / 1000) * 1000)),
        h: undefined,
        dropName: false,
      }];
    }
    const out: Vector = [];
    for (const s of vals[0]) {
      if (s.h) continue;
      const d = new Date(Math.trunc(s.f) * 1000);
      out.push({ metric: s.metric, t: s.t, f: fn(d), h: undefined, dropName: true });
    }
    return out;
  };
}

/** Go's math.Round-half-away semantics are not used by PromQL's round: floor(x/n + 0.5) * n. */
function round(vals: Vector[]): Vector {
  const toNearest = vals.length >= 2 ? vals[1][0].f : 1;
  const inv = 1 / toNearest;
  return simple((f) => Math.floor(f * inv + 0.5) / inv)(vals, undefined as never);
}

function sgn(v: number): number {
  return v < 0 ? -1 : v > 0 ? 1 : v;
}

/** Natural-order string comparison (numbers inside strings compare by value), as natsort. */
export function natLess(a: string, b: string): boolean {
  const chunk = /(\d+|\D+)/g;
  const ca = a.match(chunk) ?? [], cb = b.match(chunk) ?? [];
  for (let i = 0; i < ca.length && i < cb.length; i++) {
    const x = ca[i], y = cb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x), dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = x.replace(/^0+/, ""), ny = y.replace(/^0+/, "");
      if (nx.length !== ny.length) return nx.length < ny.length;
      if (nx !== ny) return nx < ny;
      return x.length < y.length;
    }
    return x < y;
  }
  return ca.length < cb.length;
}

function stringArgs(args: readonly Expr[], from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < args.length; i++) {
    let a = args[i];
    while (a.kind === "ParenExpr") a = a.expr;
    out.push(a.kind === "StringLiteral" ? a.value : "");
  }
  return out;
}

function sortByLabel(desc: boolean): InstantFn {
  return (vals, env) => {
    const names = stringArgs(env.args, 1);
    const v = vals[0].slice();
    v.sort((a, b) => {
      for (const n of names) {
        const x = labelsGet(a.metric, n), y = labelsGet(b.metric, n);
        if (x === y) continue;
        const lt = natLess(x, y);
        return desc ? (lt ? 1 : -1) : (lt ? -1 : 1);
      }
      const c = labelsCompare(a.metric, b.metric);
      return desc ? -c : c;
    });
    return v;
  };
}

function floatsOnly(v: Vector): Vector {
  return v.filter((s) => !s.h);
}

function nameOf(l: Labels): string {
  return labelsGet(l, METRIC_NAME);
}

interface ClassicGroup {
  metric: Labels;
  buckets: Bucket[];
}

/** Splits histogram_quantile/fraction input into classic bucket groups and native samples. */
function prepareHistograms(
  vec: Vector,
  argPos: PosRange,
  annos: Annotations,
): { classic: ClassicGroup[]; natives: Sample[] } {
  const groups = new Map<string, ClassicGroup>();
  const order: ClassicGroup[] = [];
  const natives: Sample[] = [];
  for (const s of vec) {
    if (s.h) {
      natives.push(s);
      continue;
    }
    const le = labelsGet(s.metric, "le");
    const ub = parseGoFloat(le);
    if (ub === undefined) {
      annos.warn(ANNO.badBucketLabel(nameOf(s.metric), le), argPos);
      continue;
    }
    const metric = s.metric.filter((l) => l.name !== "le");
    const key = labelsKey(metric);
    let g = groups.get(key);
    if (!g) {
      groups.set(key, g = { metric, buckets: [] });
      order.push(g);
    }
    g.buckets.push({ upperBound: ub, count: s.f });
  }
  const keptNatives: Sample[] = [];
  for (const s of natives) {
    const key = labelsKey(s.metric);
    const g = groups.get(key);
    if (g && g.buckets.length > 0) {
      annos.warn(ANNO.mixedClassicNative(nameOf(s.metric)), argPos);
      groups.delete(key);
      order.splice(order.indexOf(g), 1);
      continue;
    }
    keptNatives.push(s);
  }
  return { classic: order, natives: keptNatives };
}

/** Go's strconv.ParseFloat for label values (accepts Inf/NaN spellings, hex, underscores no). */
export function parseGoFloat(s: string): number | undefined {
  const t = s.trim();
  if (t !== s || t === "") return undefined;
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?0[xX][0-9a-fA-F]+(\.[0-9a-fA-F]*)?([pP][+-]?\d+)?$/.test(t)) {
    const neg = t.startsWith("-");
    const body = t.replace(/^[+-]/, "").slice(2);
    const [mant, exp = "0"] = body.split(/[pP]/);
    const [ip, fp = ""] = mant.split(".");
    let v = parseInt(ip || "0", 16);
    for (let i = 0; i < fp.length; i++) v += parseInt(fp[i], 16) / Math.pow(16, i + 1);
    v *= Math.pow(2, Number(exp));
    return neg ? -v : v;
  }
  return undefined;
}

function histogramQuantileFn(vals: Vector[], env: CallEnv): Vector {
  if (vals.length < 2 || vals[0].length === 0) return [];
  const q = vals[0][0].f;
  if (Number.isNaN(q) || q < 0 || q > 1) {
    env.annos.warn(ANNO.invalidQuantile(q), env.args[0].pos);
  }
  const { classic, natives } = prepareHistograms(vals[1], env.args[1].pos, env.annos);
  const out: Vector = [];
  for (const s of natives) {
    out.push({
      metric: s.metric,
      t: s.t,
      f: nativeQuantileAnnotated(q, s, env, env.args[1].pos),
      h: undefined,
      dropName: true,
    });
  }
  for (const g of classic) {
    if (g.buckets.length === 0) continue;
    const r = bucketQuantile(q, g.buckets);
    if (r.forcedMonotonic) {
      env.annos.monotonicity(
        ANNO.forcedMonotonicity(nameOf(g.metric)),
        env.args[1].pos,
        env.ts,
        r.minBucket,
        r.maxBucket,
        r.maxDiff,
      );
    }
    out.push({ metric: g.metric, t: env.ts, f: r.value, h: undefined, dropName: true });
  }
  return out;
}

function histogramFractionFn(vals: Vector[], env: CallEnv): Vector {
  if (vals.length < 3 || vals[0].length === 0 || vals[1].length === 0) return [];
  const lower = vals[0][0].f, upper = vals[1][0].f;
  const { classic, natives } = prepareHistograms(vals[2], env.args[2].pos, env.annos);
  const out: Vector = [];
  for (const s of natives) {
    out.push({
      metric: s.metric,
      t: s.t,
      f: nativeFractionAnnotated(lower, upper, s, env),
      h: undefined,
      dropName: true,
    });
  }
  for (const g of classic) {
    if (g.buckets.length === 0) continue;
    out.push({
      metric: g.metric,
      t: env.ts,
      f: bucketFraction(lower, upper, g.buckets),
      h: undefined,
      dropName: true,
    });
  }
  return out;
}

function nativeQuantileAnnotated(q: number, s: Sample, env: CallEnv, pos: PosRange): number {
  const r = histogramQuantileInfo(q, s.h!);
  const name = nameOf(s.metric);
  const suffix = name ? ` for metric name ${goQuote(name)}` : "";
  if (r.nanResult) {
    env.annos.info(`input to histogram_quantile has NaN observations, result is NaN${suffix}`, pos);
  }
  if (r.nanSkew) {
    env.annos.info(
      `input to histogram_quantile has NaN observations, result is skewed higher${suffix}`,
      pos,
    );
  }
  return r.value;
}

function nativeFractionAnnotated(lower: number, upper: number, s: Sample, env: CallEnv): number {
  const r = histogramFraction(lower, upper, s.h!);
  if (r.nanExcluded) {
    const name = nameOf(s.metric);
    env.annos.info(
      `input to histogram_fraction has NaN observations, which are excluded from all fractions` +
        (name ? ` for metric name ${goQuote(name)}` : ""),
      env.args[2].pos,
    );
  }
  return r.value;
}

function histogramVariance(vals: Vector[], stddev: boolean): Vector {
  const out: Vector = [];
  for (const s of vals[0]) {
    if (!s.h) continue;
    const h = s.h;
    const mean = h.sum / h.count;
    let variance = 0, c = 0;
    for (const b of histogramBuckets(h)) {
      if (b.count === 0) continue;
      let val: number;
      if (h.schema === -53) val = (b.upper + b.lower) / 2;
      else if (b.lower <= 0 && b.upper >= 0) val = 0;
      else {
        val = Math.sqrt(b.upper * b.lower);
        if (b.upper < 0) val = -val;
      }
      const delta = val - mean;
      const inc = b.count * delta * delta;
      const t = variance + inc;
      if (t === Infinity || t === -Infinity) c = 0;
      else if (Math.abs(variance) >= Math.abs(inc)) c += (variance - t) + inc;
      else c += (inc - t) + variance;
      variance = t;
    }
    variance = (variance + c) / h.count;
    out.push({
      metric: s.metric,
      t: s.t,
      f: stddev ? Math.sqrt(variance) : variance,
      h: undefined,
      dropName: true,
    });
  }
  return out;
}

/** Formats a quantile for the histogram_quantiles label (OpenMetrics float). */
function openMetricsFloat(f: number): string {
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (Number.isNaN(f)) return "NaN";
  const s = formatFloatG(f);
  if (Number.isInteger(f) && !s.includes("e")) return s + ".0";
  return s;
}

function histogramQuantilesFn(vals: Vector[], env: CallEnv): Vector {
  let qArg = env.args[1];
  while (qArg.kind === "ParenExpr") qArg = qArg.expr;
  const qLabel = qArg.kind === "StringLiteral" ? qArg.value : "quantile";
  const qs: number[] = [];
  for (let i = 2; i < vals.length; i++) {
    const q = vals[i][0]?.f ?? NaN;
    if (Number.isNaN(q) || q < 0 || q > 1) env.annos.warn(ANNO.invalidQuantile(q), env.args[i].pos);
    qs.push(q);
  }
  const { classic, natives } = prepareHistograms(vals[0], env.args[0].pos, env.annos);
  const out: Vector = [];
  const withQ = (m: Labels, q: number): Labels => {
    const arr = m.filter((l) => l.name !== qLabel);
    arr.push({ name: qLabel, value: openMetricsFloat(q) });
    arr.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return arr;
  };
  for (const q of qs) {
    for (const s of natives) {
      out.push({
        metric: withQ(s.metric, q),
        t: s.t,
        f: nativeQuantileAnnotated(q, s, env, env.args[0].pos),
        h: undefined,
        dropName: true,
      });
    }
    for (const g of classic) {
      if (g.buckets.length === 0) continue;
      const r = bucketQuantile(q, g.buckets.map((b) => ({ ...b })));
      if (r.forcedMonotonic) {
        env.annos.monotonicity(
          ANNO.forcedMonotonicity(nameOf(g.metric)),
          env.args[0].pos,
          env.ts,
          r.minBucket,
          r.maxBucket,
          r.maxDiff,
        );
      }
      out.push({ metric: withQ(g.metric, q), t: env.ts, f: r.value, h: undefined, dropName: true });
    }
  }
  return out;
}

const DAY_MS = 86_400_000;

/** Float functions applied sample by sample. */
const MATH: Record<string, (f: number) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  rad: (v) => v * Math.PI / 180,
  deg: (v) => v * 180 / Math.PI,
  sgn,
};

/**
 * The per-sample form of float-only instant functions (math, clamp*, round): value and the
 * scalar arguments at its step -> result, or undefined to drop the sample. Undefined for other
 * functions. Lets the evaluator map series columns without building per-step vectors.
 */
export function pointwiseFloatFunction(
  name: string,
): ((v: number, p: readonly number[]) => number | undefined) | undefined {
  const m = MATH[name];
  if (m) return (v) => m(v);
  switch (name) {
    case "clamp":
      return (v, p) => (p[1] < p[0] ? undefined : Math.max(p[0], Math.min(p[1], v)));
    case "clamp_max":
      return (v, p) => Math.max(-Infinity, Math.min(p[0], v));
    case "clamp_min":
      return (v, p) => Math.max(p[0], Math.min(Infinity, v));
    case "round":
      return (v, p) => {
        const inv = 1 / (p.length > 0 ? p[0] : 1);
        return Math.floor(v * inv + 0.5) / inv;
      };
  }
  return undefined;
}

/** Instant functions by name (range functions and the series-level ones live elsewhere). */
export const INSTANT_FUNCTIONS: Record<string, InstantFn> = {
  ...Object.fromEntries(Object.entries(MATH).map(([k, f]) => [k, simple(f)])),
  pi: () => [{ metric: [], t: 0, f: Math.PI, h: undefined, dropName: false }],
  round: (vals) => round(vals),
  clamp: (vals) => clamp(vals[0], vals[1][0].f, vals[2][0].f),
  clamp_max: (vals) => clamp(vals[0], -Infinity, vals[1][0].f),
  clamp_min: (vals) => clamp(vals[0], vals[1][0].f, Infinity),
  time: (
    _vals,
    env,
  ) => [{ metric: [], t: env.ts, f: env.ts / 1000, h: undefined, dropName: false }],
  vector: (vals) => [{ metric: [], t: 0, f: vals[0][0].f, h: undefined, dropName: false }],
  scalar: (vals) => {
    let found = false, value = NaN;
    for (const s of vals[0]) {
      if (s.h) continue;
      if (found) return [{ metric: [], t: 0, f: NaN, h: undefined, dropName: false }];
      found = true;
      value = s.f;
    }
    return [{ metric: [], t: 0, f: found ? value : NaN, h: undefined, dropName: false }];
  },
  timestamp: (vals) =>
    vals[0].map((s) => ({ metric: s.metric, t: s.t, f: s.t / 1000, h: undefined, dropName: true })),
  sort: (vals) => floatsOnly(vals[0]).sort((a, b) => floatLessSort(a.f, b.f)),
  sort_desc: (vals) => floatsOnly(vals[0]).sort((a, b) => floatGreaterSort(a.f, b.f)),
  sort_by_label: sortByLabel(false),
  sort_by_label_desc: sortByLabel(true),
  max_of: (
    vals,
  ) => [{
    metric: [],
    t: 0,
    f: Math.max(vals[0][0].f, vals[1][0].f),
    h: undefined,
    dropName: false,
  }],
  min_of: (
    vals,
  ) => [{
    metric: [],
    t: 0,
    f: Math.min(vals[0][0].f, vals[1][0].f),
    h: undefined,
    dropName: false,
  }],
  days_in_month: dateFn((d) =>
    new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()
  ),
  day_of_month: dateFn((d) => d.getUTCDate()),
  day_of_week: dateFn((d) => d.getUTCDay()),
  day_of_year: dateFn((d) =>
    Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS) + 1
  ),
  hour: dateFn((d) => d.getUTCHours()),
  minute: dateFn((d) => d.getUTCMinutes()),
  month: dateFn((d) => d.getUTCMonth() + 1),
  year: dateFn((d) => d.getUTCFullYear()),
  histogram_count: histogramFn((h) => h.count),
  histogram_sum: histogramFn((h) => h.sum),
  histogram_avg: histogramFn((h) => h.sum / h.count),
  histogram_stddev: (vals) => histogramVariance(vals, true),
  histogram_stdvar: (vals) => histogramVariance(vals, false),
  histogram_quantile: histogramQuantileFn,
  histogram_quantiles: histogramQuantilesFn,
  histogram_fraction: histogramFractionFn,
};

/** Sort order of sort_desc(): descending, NaN last. */
function floatGreaterSort(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a > b ? -1 : a < b ? 1 : 0;
}

/** Sort order of sort(): ascending, NaN last (Prometheus sorts NaN to the end for both). */
function floatLessSort(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Labels for absent()/absent_over_time(): equality matchers of the selector, minus dupes. */
export function absentLabels(expr: Expr): Labels {
  let matchers;
  if (expr.kind === "VectorSelector") matchers = expr.matchers;
  else if (expr.kind === "MatrixSelector") matchers = expr.vectorSelector.matchers;
  else return [];
  const map = new Map<string, string>();
  const has = new Set<string>();
  for (const m of matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === "=" && !has.has(m.name)) {
      if (m.value !== "") map.set(m.name, m.value);
      else map.delete(m.name);
      has.add(m.name);
    } else map.delete(m.name);
  }
  const out = [...map].map(([name, value]) => ({ name, value }));
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

export { floatLess, goQuote };
