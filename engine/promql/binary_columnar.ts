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
