/**
 * Binary operators at one step: scalar-scalar, vector-scalar and vector-vector with vector
 * matching (one-to-one, many-to-one, one-to-many, set operators, fill modifiers), with
 * Prometheus's error texts for duplicate series and many-to-many matches.
 */
import type { FloatHistogram, Labels } from "../model/mod.ts";
import { labelsKey, labelsString, METRIC_NAME } from "../model/mod.ts";
import type { BinaryOp, PosRange, VectorMatching } from "./parser/mod.ts";
import type { Annotations } from "./annotations.ts";
import { ANNO } from "./annotations.ts";
import { execError } from "./context.ts";
import type { Sample, Vector } from "./value.ts";
import {
  histogramAdd,
  histogramDiv,
  histogramEquals,
  histogramMul,
  type HistogramOpFlags,
  histogramSub,
  IncompatibleSchemaError,
  trimBuckets,
} from "./histogram_ops.ts";
import { collision, mismatchedCustom } from "./range_histogram.ts";

/** Labels that the engine drops together with the metric name. */
export const METADATA_LABELS: ReadonlySet<string> = new Set([METRIC_NAME, "__type__", "__unit__"]);

/** Labels without `__name__`, `__type__` and `__unit__`. */
export function dropMetadata(l: Labels): Labels {
  let has = false;
  for (const x of l) if (METADATA_LABELS.has(x.name)) has = true;
  return has ? l.filter((x) => !METADATA_LABELS.has(x.name)) : l;
}

/** True for operators whose result no longer has the input's meaning (drop the name). */
export function changesMetricSchema(op: BinaryOp): boolean {
  return op === "+" || op === "-" || op === "*" || op === "/" || op === "%" || op === "^" ||
    op === "atan2";
}

/** True for comparison operators. */
export function isComparison(op: BinaryOp): boolean {
  return op === "==" || op === "!=" || op === ">" || op === "<" || op === ">=" || op === "<=";
}

/** Go's math.Mod semantics (sign of the dividend; JS `%` matches). */
function mod(a: number, b: number): number {
  return a % b;
}

/** Scalar op scalar; comparisons yield 0/1. */
export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case "+":
      return l + r;
    case "-":
      return l - r;
    case "*":
      return l * r;
    case "/":
      return l / r;
    case "^":
      return Math.pow(l, r);
    case "%":
      return mod(l, r);
    case "==":
      return l === r ? 1 : 0;
    case "!=":
      return l !== r ? 1 : 0;
    case ">":
      return l > r ? 1 : 0;
    case "<":
      return l < r ? 1 : 0;
    case ">=":
      return l >= r ? 1 : 0;
    case "<=":
      return l <= r ? 1 : 0;
    case "atan2":
      return Math.atan2(l, r);
  }
  throw new Error(`BUG: operator ${op} not allowed for scalar operations`);
}

interface ElemResult {
  f: number;
  h: FloatHistogram | undefined;
  keep: boolean;
}

/** One element operation between floats/histograms; adds annotations for incompatible types. */
function elemBinop(
  op: BinaryOp,
  l: number,
  r: number,
  hl: FloatHistogram | undefined,
  hr: FloatHistogram | undefined,
  annos: Annotations,
  pos: PosRange,
): ElemResult | undefined {
  if (!hl && !hr) {
    if (op === "</" || op === ">/") {
      annos.info(ANNO.incompatibleTypesInBinOp("float", op, "float"), pos);
      return undefined;
    }
    switch (op) {
      case "==":
        return { f: l, h: undefined, keep: l === r };
      case "!=":
        return { f: l, h: undefined, keep: l !== r };
      case ">":
        return { f: l, h: undefined, keep: l > r };
      case "<":
        return { f: l, h: undefined, keep: l < r };
      case ">=":
        return { f: l, h: undefined, keep: l >= r };
      case "<=":
        return { f: l, h: undefined, keep: l <= r };
      default:
        return { f: scalarBinop(op, l, r), h: undefined, keep: true };
    }
  }
  const incompatible = (lt: string, rt: string) => {
    annos.info(ANNO.incompatibleTypesInBinOp(lt, op, rt), pos);
    return undefined;
  };
  try {
    if (!hl && hr) {
      if (op === "*") return { f: 0, h: histogramMul(hr, l), keep: true };
      return incompatible("float", "histogram");
    }
    if (hl && !hr) {
      if (op === "*") return { f: 0, h: histogramMul(hl, r), keep: true };
      if (op === "/") return { f: 0, h: histogramDiv(hl, r), keep: true };
      if (op === "</") return { f: 0, h: trimBuckets(hl, r, true), keep: true };
      if (op === ">/") return { f: 0, h: trimBuckets(hl, r, false), keep: true };
      return incompatible("histogram", "float");
    }
    const flags: HistogramOpFlags = { counterResetCollision: false, nhcbBoundsReconciled: false };
    const opName = op === "+" ? "addition" : "subtraction";
    const report = () => {
      if (flags.counterResetCollision) annos.warn(collision(opName), pos);
      if (flags.nhcbBoundsReconciled) annos.info(mismatchedCustom(opName), pos);
    };
    switch (op) {
      case "+": {
        const h = histogramAdd(hl!, hr!, flags);
        report();
        return { f: 0, h, keep: true };
      }
      case "-": {
        const h = histogramSub(hl!, hr!, flags);
        h.counterResetHint = "gauge";
        report();
        return { f: 0, h, keep: true };
      }
      case "==":
        return { f: 0, h: hl, keep: histogramEquals(hl!, hr!) };
      case "!=":
        return { f: 0, h: hl, keep: !histogramEquals(hl!, hr!) };
      default:
        return incompatible("histogram", "histogram");
    }
  } catch (e) {
    if (e instanceof IncompatibleSchemaError) {
      annos.warn(`incompatible bucket layout encountered for binary operator ${op}`, pos);
      return undefined;
    }
    throw e;
  }
}

/** Vector op scalar (or scalar op vector when `swap`). */
export function vectorScalarBinop(
  op: BinaryOp,
  lhs: Vector,
  rhs: number,
  swap: boolean,
  returnBool: boolean,
  annos: Annotations,
  pos: PosRange,
): Vector {
  const out: Vector = [];
  for (const s of lhs) {
    let lf = s.f, rf = rhs;
    let lh = s.h, rh: FloatHistogram | undefined = undefined;
    if (swap) {
      [lf, rf] = [rf, lf];
      [lh, rh] = [rh, lh];
    }
    const r = elemBinop(op, lf, rf, lh, rh, annos, pos);
    if (!r) continue;
    let { f, h, keep } = r;
    if (isComparison(op) && swap) {
      f = rf;
      h = rh;
    }
    if (returnBool) {
      f = keep ? 1 : 0;
      h = undefined;
      keep = true;
    }
    if (!keep) continue;
    out.push({
      metric: s.metric,
      t: s.t,
      f,
      h,
      dropName: s.dropName || changesMetricSchema(op) || returnBool,
    });
  }
  return out;
}

/** Computes the join signature of a label set for the given matching. */
export function signatureFn(matching: VectorMatching): (l: Labels) => string {
  if (matching.on) {
    const names = new Set(matching.matchingLabels);
    return (l) => {
      let s = "";
      for (const x of l) if (names.has(x.name)) s += x.name + "\xff" + x.value + "\xfe";
      return s;
    };
  }
  const names = new Set([...matching.matchingLabels, METRIC_NAME]);
  return (l) => {
    let s = "";
    for (const x of l) if (!names.has(x.name)) s += x.name + "\xff" + x.value + "\xfe";
    return s;
  };
}

/** `lhs and rhs`. */
export function vectorAnd(lhs: Vector, rhs: Vector, sig: (l: Labels) => string): Vector {
  if (lhs.length === 0 || rhs.length === 0) return [];
  const right = new Set<string>();
  for (const s of rhs) right.add(sig(s.metric));
  return lhs.filter((s) => right.has(sig(s.metric)));
}

/** `lhs or rhs`. */
export function vectorOr(lhs: Vector, rhs: Vector, sig: (l: Labels) => string): Vector {
  if (lhs.length === 0) return rhs.slice();
  if (rhs.length === 0) return lhs.slice();
  const left = new Set<string>();
  const out = lhs.slice();
  for (const s of lhs) left.add(sig(s.metric));
  for (const s of rhs) if (!left.has(sig(s.metric))) out.push(s);
  return out;
}

/** `lhs unless rhs`. */
export function vectorUnless(lhs: Vector, rhs: Vector, sig: (l: Labels) => string): Vector {
  if (lhs.length === 0 || rhs.length === 0) return lhs.slice();
  const right = new Set<string>();
  for (const s of rhs) right.add(sig(s.metric));
  return lhs.filter((s) => !right.has(sig(s.metric)));
}

function matchLabels(l: Labels, matching: VectorMatching): Labels {
  if (matching.on) {
    const names = new Set(matching.matchingLabels);
    return l.filter((x) => names.has(x.name));
  }
  const names = new Set([...matching.matchingLabels, METRIC_NAME]);
  return l.filter((x) => !names.has(x.name));
}

/** Result labels by (lhs, rhs) label-set identity: series keep their Labels across steps. */
const resultCache = new WeakMap<VectorMatching, WeakMap<Labels, WeakMap<Labels, Labels>>>();

function cachedResultMetric(
  lhs: Labels,
  rhs: Labels,
  op: BinaryOp,
  matching: VectorMatching,
): Labels {
  let byL = resultCache.get(matching);
  if (!byL) resultCache.set(matching, byL = new WeakMap());
  let byR = byL.get(lhs);
  if (!byR) byL.set(lhs, byR = new WeakMap());
  let r = byR.get(rhs);
  if (!r) byR.set(rhs, r = resultMetric(lhs, rhs, op, matching));
  return r;
}

function resultMetric(
  lhs: Labels,
  rhs: Labels,
  op: BinaryOp,
  matching: VectorMatching,
): Labels {
  let out: Labels = lhs;
  if (changesMetricSchema(op)) out = dropMetadata(out);
  if (matching.card === "one-to-one") {
    if (matching.on) {
      const names = new Set(matching.matchingLabels);
      out = out.filter((x) => names.has(x.name));
    } else {
      const names = new Set(matching.matchingLabels);
      out = out.filter((x) => !names.has(x.name));
    }
  }
  if (matching.include.length > 0) {
    const map = new Map<string, string>();
    for (const x of out) map.set(x.name, x.value);
    for (const ln of matching.include) {
      let v = "";
      for (const x of rhs) if (x.name === ln) v = x.value;
      if (v !== "") map.set(ln, v);
      else map.delete(ln);
    }
    const arr = [...map].map(([name, value]) => ({ name, value }));
    arr.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out = arr;
  }
  return out;
}

/** Vector op vector (arithmetic / comparison) with matching. */
export function vectorBinop(
  op: BinaryOp,
  lhsIn: Vector,
  rhsIn: Vector,
  matching: VectorMatching,
  returnBool: boolean,
  sig: (l: Labels) => string,
  annos: Annotations,
  pos: PosRange,
): Vector {
  const fillL = matching.fillValues.lhs, fillR = matching.fillValues.rhs;
  if (
    (lhsIn.length === 0 && rhsIn.length === 0) ||
    ((lhsIn.length === 0 || rhsIn.length === 0) && fillL === undefined && fillR === undefined)
  ) return [];
  let lhs = lhsIn, rhs = rhsIn;
  const swapped = matching.card === "one-to-many";
  if (swapped) [lhs, rhs] = [rhs, lhs];
  const rightSigs = new Map<string, Sample>();
  for (const rs of rhs) {
    const k = sig(rs.metric);
    const dup = rightSigs.get(k);
    if (dup) {
      const oneSide = swapped ? "left" : "right";
      let d1 = labelsString(rs.metric), d2 = labelsString(dup.metric);
      if (d1 > d2) [d1, d2] = [d2, d1];
      execError(
        `found duplicate series for the match group ${
          labelsString(matchLabels(rs.metric, matching))
        } on the ${oneSide} hand-side of the operation: [${d1}, ${d2}]` +
          ";many-to-many matching not allowed: matching labels must be unique on one side",
      );
    }
    rightSigs.set(k, rs);
  }
  const matchedOne = new Set<string>();
  const matchedMany = new Map<string, Set<string>>();
  const out: Vector = [];
  const doOp = (ls: Sample, rs: Sample, k: string) => {
    let fl = ls.f, fr = rs.f, hl = ls.h, hr = rs.h;
    if (swapped) {
      [fl, fr] = [fr, fl];
      [hl, hr] = [hr, hl];
    }
    const r = elemBinop(op, fl, fr, hl, hr, annos, pos);
    let f = r?.f ?? 0, h = r?.h;
    const keep = r?.keep ?? false;
    if (returnBool) {
      h = undefined;
      f = keep ? 1 : 0;
    }
    const metric = cachedResultMetric(ls.metric, rs.metric, op, matching);
    if (matching.card === "one-to-one") {
      if (matchedOne.has(k)) {
        execError(
          "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
        );
      }
      matchedOne.add(k);
    } else {
      const mk = labelsKey(metric);
      let set = matchedMany.get(k);
      if (!set) matchedMany.set(k, set = new Set());
      if (set.has(mk)) {
        execError("multiple matches for labels: grouping labels must ensure unique matches");
      }
      set.add(mk);
    }
    if (!r) return;
    if (!keep && !returnBool) return;
    out.push({
      metric,
      t: ls.t,
      f,
      h,
      dropName: returnBool || ls.dropName && !changesMetricSchema(op),
    });
  };
  for (const ls of lhs) {
    const k = sig(ls.metric);
    let rs = rightSigs.get(k);
    if (!rs) {
      const fill = fillR;
      if (fill === undefined) continue;
      rs = {
        metric: matchLabels(ls.metric, matching),
        t: ls.t,
        f: fill,
        h: undefined,
        dropName: false,
      };
    }
    doOp(ls, rs, k);
  }
  const fillOther = fillL;
  if (fillOther !== undefined) {
    for (const rs of rhs) {
      const k = sig(rs.metric);
      if (
        matching.card === "one-to-one" ? matchedOne.has(k) : (matchedMany.get(k)?.size ?? 0) > 0
      ) {
        continue;
      }
      const ls: Sample = {
        metric: matchLabels(rs.metric, matching),
        t: rs.t,
        f: fillOther,
        h: undefined,
        dropName: false,
      };
      doOp(ls, rs, k);
    }
  }
  return out;
}
