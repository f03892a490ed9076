/**
 * Before evaluation: resolves duration expressions (`[5m + step()]`) and loads every selector's
 * series for the time range it can touch (offset, @, ranges, subqueries, lookback), one
 * `Querier.select` per selector, so the evaluation itself is synchronous.
 */
import type { Querier, SeriesData } from "../storage/querier.ts";
import type { FloatHistogram } from "../model/mod.ts";
import { isStaleNaN, Matcher } from "../model/mod.ts";
import { detectReset } from "./histogram_ops.ts";
import type {
  AtModifier,
  Call,
  DurationExpr,
  Expr,
  SubqueryExpr,
  VectorSelector,
} from "./parser/mod.ts";
import { walk } from "./parser/mod.ts";
import type { QueryContext } from "./context.ts";
import { execError } from "./context.ts";
import { firstSelector, infoSelectMatchers } from "./info.ts";
import { newFloatHistogram } from "../model/histogram.ts";

/** Resolves every duration expression into `ctx.durations` (ms). */
export function resolveDurations(ctx: QueryContext, root: Expr): void {
  const stepS = ctx.stepMs / 1000;
  const rangeS = (ctx.endMs - ctx.startMs) / 1000;
  const evalD = (e: Expr): number => {
    if (e.kind === "NumberLiteral") return e.value;
    if (e.kind === "ParenExpr") return evalD(e.expr);
    if (e.kind === "UnaryExpr") return e.op === "-" ? -evalD(e.expr) : evalD(e.expr);
    if (e.kind !== "DurationExpr") return NaN;
    const l = e.lhs ? evalD(e.lhs) : 0;
    const r = e.rhs ? evalD(e.rhs) : 0;
    switch (e.op) {
      case "step":
        return stepS;
      case "range":
        return rangeS;
      case "min_of":
        return Math.min(l, r);
      case "max_of":
        return Math.max(l, r);
      case "+":
        return e.lhs ? l + r : r;
      case "-":
        return e.lhs ? l - r : -r;
      case "*":
        return l * r;
      case "/":
        if (r === 0) execError(`${e.pos.start}:${e.pos.end}: division by zero`);
        return l / r;
      case "%":
        if (r === 0) execError(`${e.pos.start}:${e.pos.end}: modulo by zero`);
        return l % r;
      case "^":
        return Math.pow(l, r);
    }
  };
  const calc = (e: DurationExpr | undefined, negativeOk: boolean) => {
    if (!e) return;
    const d = evalD(e);
    if (!Number.isFinite(d)) execError(`${e.pos.start}:${e.pos.end}: duration is NaN or infinite`);
    if (d <= 0 && !negativeOk) {
      execError(`${e.pos.start}:${e.pos.end}: duration must be greater than 0`);
    }
    ctx.durations.set(e, Math.trunc(d * 1000));
  };
  walk(root, (n) => {
    switch (n.kind) {
      case "VectorSelector":
        calc(n.offsetExpr, true);
        break;
      case "MatrixSelector":
        calc(n.rangeExpr, false);
        break;
      case "SubqueryExpr":
        calc(n.offsetExpr, true);
        calc(n.stepExpr, false);
        calc(n.rangeExpr, false);
        break;
      case "DurationExpr":
        ctx.durations.set(n, evalD(n));
        return false;
    }
    return true;
  });
}

function atMs(ctx: QueryContext, at: AtModifier | undefined): number | undefined {
  if (!at) return undefined;
  if (at.kind === "timestamp") return at.timestampMs;
  return at.kind === "start" ? ctx.startMs : ctx.endMs;
}

/** The [minT, maxT] (inclusive, ms) a selector can read, as Prometheus computes it. */
export function selectorRange(
  ctx: QueryContext,
  vs: VectorSelector,
  path: readonly Expr[],
  evalRangeMs: number,
): [number, number] {
  let start = ctx.startMs, end = ctx.endMs;
  let subOffset = 0, subRange = 0;
  let subAt: number | undefined;
  for (const n of path) {
    if (n.kind !== "SubqueryExpr") continue;
    const sq = n as SubqueryExpr;
    const off = ctx.duration(sq, sq.offsetMs, sq.offsetExpr);
    const rng = ctx.duration(sq, sq.rangeMs, sq.rangeExpr);
    subOffset += off;
    subRange += rng;
    const a = atMs(ctx, sq.at);
    if (a !== undefined) {
      subOffset = off;
      subRange = rng;
      subAt = a;
    }
  }
  if (subAt !== undefined) {
    start = subAt;
    end = subAt;
  }
  const a = atMs(ctx, vs.at);
  if (a !== undefined) {
    start = a;
    end = a;
  } else {
    start = start - subOffset - subRange;
    end -= subOffset;
  }
  const lb = ctx.lookbackMs;
  if (evalRangeMs === 0) {
    start -= lb - 1;
    if (vs.smoothed) end += lb;
  } else if (vs.anchored) {
    start -= lb + evalRangeMs - 1;
  } else if (vs.smoothed) {
    start -= lb + evalRangeMs - 1;
    end += lb;
  } else {
    start -= evalRangeMs - 1;
  }
  const off = ctx.duration(vs, vs.offsetMs, vs.offsetExpr);
  return [start - off, end - off];
}

/** Loads the series of every selector in the expression into `ctx.data`. */
export async function prefetch(ctx: QueryContext, q: Querier, root: Expr): Promise<void> {
  const jobs: Job[] = [];
  const infoJobs: InfoJob[] = [];
  collect(ctx, root, [], jobs, infoJobs);
  const statsOnly = histogramStatsSelectors(root);
  for (const j of jobs) {
    ctx.checkDoneNow();
    const data = await q.select(j.vs.matchers, { minT: j.minT, maxT: j.maxT });
    ctx.data.set(j.vs, statsOnly.has(j.vs) ? data.map(histogramStats) : data);
  }
  for (const j of infoJobs) {
    ctx.checkDoneNow();
    const id = identifyingMatchers(ctx, j.call);
    if (id === null) {
      ctx.infoData.set(j.call, []);
      continue;
    }
    const matchers = [...id, ...infoSelectMatchers(j.call)];
    ctx.infoData.set(j.call, await q.select(matchers, { minT: j.minT, maxT: j.maxT }));
  }
}

interface Job {
  vs: VectorSelector;
  minT: number;
  maxT: number;
}

interface InfoJob {
  call: Call;
  minT: number;
  maxT: number;
}

/** Every selector (and info() call) with the time range it can read. */
function collect(
  ctx: QueryContext,
  root: Expr,
  prefix: readonly Expr[],
  jobs: Job[],
  infoJobs: InfoJob[],
): void {
  walk(root, (n, path) => {
    const full = [...prefix, ...path];
    if (n.kind === "Call" && n.func.name === "info") {
      const fs = firstSelector(n.args[0]);
      if (fs) {
        const [minT, maxT] = selectorRange(ctx, fs.vs, [...full, n, ...fs.path], 0);
        infoJobs.push({ call: n, minT, maxT });
      }
      collect(ctx, n.args[0], [...full, n], jobs, infoJobs);
      return false;
    }
    if (n.kind === "MatrixSelector") {
      const range = ctx.duration(n, n.rangeMs, n.rangeExpr);
      const [minT, maxT] = selectorRange(ctx, n.vectorSelector, full, range);
      jobs.push({ vs: n.vectorSelector, minT, maxT });
      return false;
    }
    if (n.kind === "VectorSelector") {
      const [minT, maxT] = selectorRange(ctx, n, full, 0);
      jobs.push({ vs: n, minT, maxT });
    }
    return true;
  });
}

const IDENTIFYING_LABELS = ["instance", "job"];

/**
 * Matchers narrowing the info series to the identifying-label values the first argument can
 * produce (taken from its loaded series), as Prometheus narrows by the evaluated values. Empty
 * when label_replace/label_join could invent values (load every candidate); null when no value
 * exists at all (no info series can match).
 */
function identifyingMatchers(ctx: QueryContext, call: Call): Matcher[] | null {
  let invents = false;
  const values = new Map<string, Set<string>>();
  walk(call.args[0], (n) => {
    if (n.kind === "Call" && (n.func.name === "label_replace" || n.func.name === "label_join")) {
      invents = true;
    }
    if (n.kind === "VectorSelector") {
      for (const sd of ctx.data.get(n) ?? []) {
        for (const l of sd.labels) {
          if (!IDENTIFYING_LABELS.includes(l.name)) continue;
          let set = values.get(l.name);
          if (!set) values.set(l.name, set = new Set());
          set.add(l.value);
        }
      }
    }
    return true;
  });
  if (invents) return [];
  if (values.size === 0) return null;
  return [...values].map(([name, vals]) =>
    new Matcher(
      "=~",
      name,
      [...vals].map((v) => v.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&")).join("|"),
    )
  );
}

/**
 * Selectors whose histograms only feed histogram_count/sum/avg (no subquery or bucket-using
 * function in between): Prometheus reads them through its HistogramStatsIterator, which drops
 * the buckets and sets counter-reset hints by comparing each sample with the one read before.
 */
export function histogramStatsSelectors(root: Expr): Set<VectorSelector> {
  const out = new Set<VectorSelector>();
  walk(root, (n, path) => {
    if (n.kind !== "VectorSelector") return true;
    let skip = false;
    for (let i = path.length - 1; i >= 0; i--) {
      const p = path[i];
      if (p.kind === "SubqueryExpr") {
        skip = false;
        break;
      }
      if (p.kind === "Call") {
        const f = p.func.name;
        if (f === "histogram_count" || f === "histogram_sum" || f === "histogram_avg") skip = true;
        else if (
          f === "histogram_quantile" || f === "histogram_quantiles" || f === "histogram_fraction"
        ) {
          skip = false;
          break;
        }
      }
      if (p.kind === "BinaryExpr" && (p.op === "</" || p.op === ">/")) {
        skip = false;
        break;
      }
    }
    if (skip) out.add(n);
    return true;
  });
  return out;
}

/** A series as the HistogramStatsIterator yields it: count/sum-only histograms, detected hints. */
function histogramStats(s: SeriesData): SeriesData {
  if (!s.h || s.h.length === 0) return s;
  const h: FloatHistogram[] = [];
  let last: FloatHistogram | undefined;
  for (const x of s.h) {
    let hint = x.counterResetHint;
    if (isStaleNaN(x.sum)) {
      h.push(statsOnly(x, hint));
      continue;
    }
    if (hint === "unknown" && last) hint = detectReset(x, last) ? "reset" : "not_reset";
    h.push(statsOnly(x, hint));
    last = x;
  }
  return { ...s, h };
}

function statsOnly(x: FloatHistogram, hint: FloatHistogram["counterResetHint"]): FloatHistogram {
  return newFloatHistogram({
    schema: x.schema,
    count: x.count,
    sum: x.sum,
    counterResetHint: hint,
  });
}
