/**
 * Fast paths for binary operators over float-only series: vector op scalar, and one-to-one
 * vector op vector when every join signature is unique on each side. They work series by series
 * on the point columns instead of building a vector per step, with the same results as the
 * per-step code in binary.ts (which handles everything else: histograms, fill, group_x).
 */
import type { Labels } from "../model/mod.ts";
import type { BinaryOp, VectorMatching } from "./parser/mod.ts";
import { changesMetricSchema, dropMetadata, isComparison, scalarBinop } from "./binary.ts";
import type { Matrix, Series } from "./value.ts";

function compare(op: BinaryOp, l: number, r: number): boolean {
  switch (op) {
    case "==":
      return l === r;
    case "!=":
      return l !== r;
    case ">":
      return l > r;
    case "<":
      return l < r;
    case ">=":
      return l >= r;
    default:
      return l <= r;
  }
}

function floatOnly(m: Matrix): boolean {
  for (const s of m) if (s.hT.length > 0) return false;
  return true;
}

/**
 * `vector op scalar` (or `scalar op vector` when `swap`) over all steps; `scalar[k]` is the
 * scalar at step k of the grid (start, interval). Undefined when the vector has histograms.
 */
export function vectorScalarColumnar(
  op: BinaryOp,
  m: Matrix,
  scalar: Float64Array,
  start: number,
  interval: number,
  swap: boolean,
  returnBool: boolean,
): Matrix | undefined {
  if (op === "</" || op === ">/" || !floatOnly(m)) return undefined;
  const cmp = isComparison(op);
  const drop = changesMetricSchema(op) || returnBool;
  const inv = interval > 0 ? 1 / interval : 0;
  const out: Matrix = [];
  for (const s of m) {
    const fT: number[] = [], fV: number[] = [];
    for (let j = 0; j < s.fT.length; j++) {
      const t = s.fT[j];
      const k = scalar.length === 1 ? 0 : Math.round((t - start) * inv);
      const v = s.fV[j], x = scalar[k];
      const l = swap ? x : v, r = swap ? v : x;
      if (cmp) {
        const keep = compare(op, l, r);
        if (returnBool) {
          fT.push(t);
          fV.push(keep ? 1 : 0);
        } else if (keep) {
          fT.push(t);
          fV.push(v);
        }
      } else {
        fT.push(t);
        fV.push(scalarBinop(op, l, r));
      }
    }
    if (fT.length === 0) continue;
    out.push({ metric: s.metric, fT, fV, hT: [], hV: [], dropName: s.dropName || drop });
  }
  return out;
}

/**
 * One-to-one `vector op vector` without fill when each join signature occurs once per side.
 * Undefined when the fast path does not apply.
 */
export function vectorBinopColumnar(
  op: BinaryOp,
  lhs: Matrix,
  rhs: Matrix,
  matching: VectorMatching,
  returnBool: boolean,
  sig: (l: Labels) => string,
): Matrix | undefined {
  if (matching.card !== "one-to-one" || matching.include.length > 0) return undefined;
  if (matching.fillValues.lhs !== undefined || matching.fillValues.rhs !== undefined) {
    return undefined;
  }
  if (op === "</" || op === ">/" || !floatOnly(lhs) || !floatOnly(rhs)) return undefined;
  const right = new Map<string, Series>();
  for (const s of rhs) {
    const k = sig(s.metric);
    if (right.has(k)) return undefined;
    right.set(k, s);
  }
  const seen = new Set<string>();
  for (const s of lhs) {
    const k = sig(s.metric);
    if (seen.has(k)) return undefined;
    seen.add(k);
  }
  const cmp = isComparison(op);
  const names = new Set(matching.matchingLabels);
  const out: Matrix = [];
  for (const ls of lhs) {
    const rs = right.get(sig(ls.metric));
    if (!rs) continue;
    let metric: Labels = changesMetricSchema(op) ? dropMetadata(ls.metric) : ls.metric;
    metric = matching.on
      ? metric.filter((x) => names.has(x.name))
      : names.size > 0
      ? metric.filter((x) => !names.has(x.name))
      : metric;
    const fT: number[] = [], fV: number[] = [];
    let i = 0, j = 0;
    while (i < ls.fT.length && j < rs.fT.length) {
      const a = ls.fT[i], b = rs.fT[j];
      if (a < b) {
        i++;
        continue;
      }
      if (b < a) {
        j++;
        continue;
      }
      const l = ls.fV[i], r = rs.fV[j];
      if (cmp) {
        const keep = compare(op, l, r);
        if (returnBool) {
          fT.push(a);
          fV.push(keep ? 1 : 0);
        } else if (keep) {
          fT.push(a);
          fV.push(l);
        }
      } else {
        fT.push(a);
        fV.push(scalarBinop(op, l, r));
      }
      i++;
      j++;
    }
    if (fT.length === 0) continue;
    out.push({
      metric,
      fT,
      fV,
      hT: [],
      hV: [],
      dropName: returnBool || (ls.dropName && !changesMetricSchema(op)),
    });
  }
  return out;
}

/** Timestamps (float and histogram points) of the series per join signature. */
function timesBySignature(m: Matrix, sig: (l: Labels) => string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const s of m) {
    const k = sig(s.metric);
    let set = out.get(k);
    if (!set) out.set(k, set = new Set());
    for (const t of s.fT) set.add(t);
    for (const t of s.hT) set.add(t);
  }
  return out;
}

function filterSeries(s: Series, keep: (t: number) => boolean): Series | undefined {
  const fT: number[] = [], fV: number[] = [];
  for (let i = 0; i < s.fT.length; i++) {
    if (keep(s.fT[i])) {
      fT.push(s.fT[i]);
      fV.push(s.fV[i]);
    }
  }
  const hT: number[] = [], hV: Series["hV"] = [];
  for (let i = 0; i < s.hT.length; i++) {
    if (keep(s.hT[i])) {
      hT.push(s.hT[i]);
      hV.push(s.hV[i]);
    }
  }
  if (fT.length + hT.length === 0) return undefined;
  return { metric: s.metric, fT, fV, hT, hV, dropName: s.dropName };
}

/**
 * `and`, `or`, `unless` over whole series: a point is kept according to whether the other side
 * has a series with the same signature at that timestamp. Equivalent to the per-step set
 * operators; series of `or` that share labels are merged.
 */
export function setOpColumnar(
  op: "and" | "or" | "unless",
  lhs: Matrix,
  rhs: Matrix,
  sig: (l: Labels) => string,
  key: (l: Labels) => string,
): Matrix {
  const out: Matrix = [];
  if (op === "and" || op === "unless") {
    const right = timesBySignature(rhs, sig);
    for (const s of lhs) {
      const set = right.get(sig(s.metric));
      const f = op === "and"
        ? (set ? filterSeries(s, (t) => set.has(t)) : undefined)
        : (set ? filterSeries(s, (t) => !set.has(t)) : s);
      if (f) out.push(f);
    }
    return out;
  }
  const left = timesBySignature(lhs, sig);
  const byKey = new Map<string, Series>();
  const add = (s: Series) => {
    const k = key(s.metric);
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, s);
      out.push(s);
      return;
    }
    // Same labels on both sides: their points never share a timestamp; merge in time order.
    const fp = prev.fT.map((t, i) => [t, prev.fV[i]] as const).concat(
      s.fT.map((t, i) => [t, s.fV[i]] as const),
    );
    fp.sort((a, b) => a[0] - b[0]);
    const hp = prev.hT.map((t, i) => [t, prev.hV[i]] as const).concat(
      s.hT.map((t, i) => [t, s.hV[i]] as const),
    );
    hp.sort((a, b) => a[0] - b[0]);
    const merged: Series = {
      metric: prev.metric,
      fT: fp.map((x) => x[0]),
      fV: fp.map((x) => x[1]),
      hT: hp.map((x) => x[0]),
      hV: hp.map((x) => x[1]),
      dropName: prev.dropName,
    };
    byKey.set(k, merged);
    out[out.indexOf(prev)] = merged;
  };
  for (const s of lhs) add(s);
  for (const s of rhs) {
    const set = left.get(sig(s.metric));
    const f = set ? filterSeries(s, (t) => !set.has(t)) : s;
    if (f) add(f);
  }
  return out;
}
