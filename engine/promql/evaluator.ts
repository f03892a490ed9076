/**
 * The per-query evaluator: walks the AST over a grid of steps `start..end` by `interval` and
 * returns a Matrix (instant queries are a grid of one step). Data was loaded beforehand (see
 * prefetch.ts), so evaluation is synchronous. Structure follows Prometheus's engine: per-step
 * vectors for operators, functions and aggregations; series-at-a-time for range functions.
 */
import type { Labels } from "../model/mod.ts";
import { labelsKey } from "../model/mod.ts";
import type { SeriesData } from "../storage/querier.ts";
import type {
  AggregateExpr,
  AtModifier,
  BinaryExpr,
  Call,
  Expr,
  SubqueryExpr,
  VectorMatching,
  VectorSelector,
} from "./parser/mod.ts";
import { ANNO } from "./annotations.ts";
import { goQuote } from "../model/go_format.ts";
import { execError, type QueryContext } from "./context.ts";
import {
  dropMetadata,
  scalarBinop,
  signatureFn,
  vectorAnd,
  vectorBinop,
  vectorOr,
  vectorScalarBinop,
  vectorUnless,
} from "./binary.ts";
import { setOpColumnar, vectorBinopColumnar, vectorScalarColumnar } from "./binary_columnar.ts";
import {
  aggregateColumnar,
  aggregateK,
  Aggregator,
  countValues,
  groupKeyFn,
  selectK,
} from "./aggregation.ts";
import { absentLabels, INSTANT_FUNCTIONS, pointwiseFloatFunction } from "./functions/instant.ts";
import { evalRangeFunction } from "./range_eval.ts";
import { evalInfo } from "./info.ts";
import { matrixSelectorValue, vectorSelector } from "./selector_eval.ts";
import { isValidLabelName, labelJoin, labelReplace, mergeSameLabelset } from "./label_functions.ts";
import { formatFloatF, formatFloatG } from "../model/go_format.ts";
import { histogramMul, histogramString } from "./histogram_ops.ts";
import {
  type Matrix,
  newSeries,
  type Sample,
  type Series,
  type StringValue,
  type Vector,
} from "./value.ts";

/** Unwraps parentheses. */
export function unwrapParens(e: Expr): Expr {
  while (e.kind === "ParenExpr") e = e.expr;
  return e;
}

/** Evaluates expressions over one grid of steps. */
export class Evaluator {
  readonly steps: number;

  constructor(
    readonly ctx: QueryContext,
    readonly start: number,
    readonly end: number,
    readonly interval: number,
    /** True for the top-level grid (stats are recorded per step). */
    readonly topLevel: boolean,
  ) {
    this.steps = end < start ? 0 : Math.floor((end - start) / interval) + 1;
  }

  /** Timestamp of step k. */
  ts(k: number): number {
    return this.start + k * this.interval;
  }

  /** Resolves an `@` modifier to a timestamp (ms). */
  atTime(at: AtModifier | undefined): number | undefined {
    if (!at) return undefined;
    if (at.kind === "timestamp") return at.timestampMs;
    return at.kind === "start" ? this.ctx.startMs : this.ctx.endMs;
  }

  /** Evaluates `e` to a Matrix (or a string for string literals). */
  eval(e: Expr): Matrix | StringValue {
    this.ctx.checkDone();
    if (this.steps === 0) return [];
    switch (e.kind) {
      case "NumberLiteral":
        return this.constant(e.value);
      case "StringLiteral":
        return { kind: "string", v: e.value };
      case "DurationExpr":
        return this.constant(this.ctx.durations.get(e) ?? NaN);
      case "ParenExpr":
        return this.eval(e.expr);
      case "UnaryExpr": {
        const m = this.evalMatrix(e.expr);
        if (e.op === "-") {
          for (const s of m) {
            s.dropName = true;
            for (let i = 0; i < s.fV.length; i++) s.fV[i] = -s.fV[i];
            for (let i = 0; i < s.hV.length; i++) s.hV[i] = histogramMul(s.hV[i], -1);
          }
        }
        return m;
      }
      case "VectorSelector":
        return vectorSelector(this, e, false);
      case "MatrixSelector":
        return matrixSelectorValue(this, e);
      case "SubqueryExpr":
        return this.subquery(e).matrix;
      case "Call":
        return this.call(e);
      case "AggregateExpr":
        return this.aggregate(e);
      case "BinaryExpr":
        return this.binary(e);
    }
  }

  /** Evaluates an expression that must yield a Matrix. */
  evalMatrix(e: Expr): Matrix {
    const v = this.eval(e);
    if (!Array.isArray(v)) throw new Error("BUG: expected a matrix value");
    return v;
  }

  /** A scalar over all steps. */
  constant(v: number): Matrix {
    const s = newSeries([]);
    for (let k = 0; k < this.steps; k++) {
      s.fT.push(this.ts(k));
      s.fV.push(v);
    }
    return [s];
  }

  /** Values of a scalar expression per step (NaN where absent). */
  scalarValues(e: Expr): Float64Array {
    const out = new Float64Array(this.steps).fill(NaN);
    const m = this.evalMatrix(e);
    if (m.length === 0) return out;
    const s = m[0];
    for (let i = 0; i < s.fT.length; i++) {
      const k = Math.round((s.fT[i] - this.start) / this.interval);
      if (k >= 0 && k < this.steps) out[k] = s.fV[i];
    }
    return out;
  }

  /**
   * Calls `fn` once per step with the argument vectors at that step and assembles the outputs
   * into series; two outputs with the same labels at one step are an error.
   */
  rangeEval(
    inputs: (Matrix | undefined)[],
    fn: (vecs: Vector[], ts: number, k: number) => Vector,
    reuseSamples = false,
  ): Matrix {
    // With `reuseSamples`, each input series has one Sample object updated in place at every
    // step: `fn` must not keep the input samples past its call (nor return them).
    const curF = inputs.map((m) => new Int32Array(m ? m.length : 0));
    const curH = inputs.map((m) => new Int32Array(m ? m.length : 0));
    const reused = inputs.map((m) =>
      reuseSamples && m
        ? m.map((s): Sample => ({
          metric: s.metric,
          t: 0,
          f: 0,
          h: undefined,
          dropName: s.dropName,
        }))
        : []
    );
    const vecs: Vector[] = inputs.map(() => []);
    const instant = this.steps === 1;
    const out = new Map<string, { s: Series; lastT: number }>();
    const order: Series[] = [];
    let held = 0;
    for (let k = 0; k < this.steps; k++) {
      const ts = this.ts(k);
      this.ctx.checkDone();
      for (let i = 0; i < inputs.length; i++) {
        const m = inputs[i];
        if (!m) continue;
        const v: Vector = [];
        const cf = curF[i], ch = curH[i], re = reused[i];
        for (let j = 0; j < m.length; j++) {
          const s = m[j];
          const fT = s.fT;
          let c = cf[j];
          while (c < fT.length && fT[c] < ts) c++;
          if (c < fT.length && fT[c] === ts) {
            cf[j] = c + 1;
            if (reuseSamples) {
              const r = re[j];
              r.t = ts;
              r.f = s.fV[c];
              r.h = undefined;
              v.push(r);
            } else {
              v.push({ metric: s.metric, t: ts, f: s.fV[c], h: undefined, dropName: s.dropName });
            }
            continue;
          }
          cf[j] = c;
          const hT = s.hT;
          if (hT.length === 0) continue;
          let d = ch[j];
          while (d < hT.length && hT[d] < ts) d++;
          if (d < hT.length && hT[d] === ts) {
            ch[j] = d + 1;
            if (reuseSamples) {
              const r = re[j];
              r.t = ts;
              r.f = 0;
              r.h = s.hV[d];
              v.push(r);
            } else {
              v.push({ metric: s.metric, t: ts, f: 0, h: s.hV[d], dropName: s.dropName });
            }
            continue;
          }
          ch[j] = d;
        }
        vecs[i] = v;
      }
      const res = fn(vecs, ts, k);
      held += res.length;
      if (this.ctx.currentSamples + held > this.ctx.samplesMax) this.ctx.addSamples(held);
      for (const smp of res) {
        const key = cachedLabelsKey(smp.metric);
        let e = out.get(key);
        if (e) {
          if (e.lastT === ts) execError("vector cannot contain metrics with the same labelset");
          e.lastT = ts;
        } else {
          e = { s: newSeries(smp.metric, smp.dropName), lastT: ts };
          out.set(key, e);
          order.push(e.s);
        }
        if (smp.h) {
          e.s.hT.push(ts);
          e.s.hV.push(smp.h);
        } else {
          e.s.fT.push(ts);
          e.s.fV.push(smp.f);
        }
      }
      if (instant) break;
    }
    return order;
  }

  // ---- selectors ----

  /** Series loaded for a selector. */
  seriesOf(vs: VectorSelector): SeriesData[] {
    return this.ctx.data.get(vs) ?? [];
  }

  /** The grid of a subquery and its evaluated inner expression. */
  subquery(sq: SubqueryExpr): { matrix: Matrix; ev: Evaluator } {
    const offset = this.ctx.duration(sq, sq.offsetMs, sq.offsetExpr);
    const range = this.ctx.duration(sq, sq.rangeMs, sq.rangeExpr);
    let step = this.ctx.duration(sq, sq.stepMs, sq.stepExpr);
    if (step === 0) step = this.ctx.defaultSubqueryStepMs;
    const at = this.atTime(sq.at);
    const outerStart = at ?? this.start;
    let outerEnd = at ?? this.end;
    if (at === undefined && this.interval > 0) {
      outerEnd = this.start + Math.floor((this.end - this.start) / this.interval) * this.interval;
    }
    const end = outerEnd - offset;
    const lo = outerStart - offset - range;
    let start = step * Math.floor(lo / step);
    // Go integer division truncates toward zero.
    if (lo < 0 && lo % step !== 0) start = step * Math.trunc(lo / step);
    if (start <= lo) start += step;
    const ev = new Evaluator(this.ctx, start, end, step, false);
    const matrix = ev.evalMatrix(sq.expr);
    return { matrix, ev };
  }

  // ---- functions ----

  call(e: Call): Matrix {
    const name = e.func.name;
    switch (name) {
      case "label_replace":
        return labelReplace(this, e);
      case "label_join":
        return labelJoin(this, e);
      case "start":
        return this.constant(this.ctx.startMs / 1000);
      case "end":
        return this.constant(this.ctx.endMs / 1000);
      case "step":
        return this.constant(this.ctx.stepMs / 1000);
      case "range":
        return this.constant((this.ctx.endMs - this.ctx.startMs) / 1000);
      case "info":
        return this.info(e);
    }
    if (
      name === "sort" || name === "sort_desc" || name === "sort_by_label" ||
      name === "sort_by_label_desc"
    ) {
      if (this.start !== this.end) this.ctx.annos.warn(ANNO.sortInRangeQuery(), e.pos);
    }
    const mi = e.args.findIndex((a) => {
      const u = unwrapParens(a);
      return a.valueType === "matrix" && (u.kind === "MatrixSelector" || u.kind === "SubqueryExpr");
    });
    if (mi >= 0) return evalRangeFunction(this, e, mi);
    if (name === "timestamp") {
      const a = unwrapParens(e.args[0]);
      if (a.kind === "VectorSelector") {
        const m = vectorSelector(this, a, true);
        for (const s of m) {
          s.dropName = true;
          for (let i = 0; i < s.fV.length; i++) s.fV[i] = s.fV[i] / 1000;
        }
        return m;
      }
    }
    if (name === "absent") {
      const m = this.evalMatrix(e.args[0]);
      const labels = absentLabels(e.args[0]);
      return this.rangeEval(
        [m],
        (v, ts) =>
          v[0].length > 0 ? [] : [{ metric: labels, t: ts, f: 1, h: undefined, dropName: false }],
      );
    }
    if (name === "start_timestamp") {
      // Remote write 2.0 start (created) timestamps are not stored, so there is nothing to return;
      // an empty answer would be indistinguishable from "no data".
      execError('function "start_timestamp" is not supported: start timestamps are not stored');
    }
    const fn = INSTANT_FUNCTIONS[name];
    if (!fn) execError(`function "${name}" is not implemented`);
    const pw = pointwiseFloatFunction(name);
    if (pw) return this.pointwise(e, pw);
    const inputs = e.args.map((a) => a.valueType === "string" ? undefined : this.evalMatrix(a));
    const env = { ts: 0, args: e.args, annos: this.ctx.annos, pos: e.pos };
    return this.rangeEval(inputs, (v, ts) => {
      env.ts = ts;
      return fn(v, env);
    });
  }

  /** A float function applied point by point over series columns (histograms are dropped). */
  pointwise(e: Call, fn: (v: number, p: readonly number[]) => number | undefined): Matrix {
    const m = this.evalMatrix(e.args[0]);
    const params = e.args.slice(1).map((a) => this.scalarValues(a));
    const p: number[] = new Array(params.length);
    const out: Matrix = [];
    for (const s of m) {
      const fT: number[] = [], fV: number[] = [];
      for (let j = 0; j < s.fT.length; j++) {
        const t = s.fT[j];
        if (params.length > 0) {
          const k = this.steps === 1 ? 0 : Math.round((t - this.start) / this.interval);
          for (let i = 0; i < params.length; i++) p[i] = params[i][k];
        }
        const r = fn(s.fV[j], p);
        if (r === undefined) continue;
        fT.push(t);
        fV.push(r);
      }
      if (fT.length > 0) out.push({ metric: s.metric, fT, fV, hT: [], hV: [], dropName: true });
    }
    return out;
  }

  info(e: Call): Matrix {
    return evalInfo(this, e, this.ctx.infoData.get(e) ?? []);
  }

  // ---- aggregations ----

  aggregate(e: AggregateExpr): Matrix {
    const grouping = [...e.grouping].sort();
    const op = e.op;
    if (op === "count_values") {
      const p = unwrapParens(e.param!);
      const label = p.kind === "StringLiteral" ? p.value : "";
      if (!isValidLabelName(label)) execError(`invalid label name ${goQuote(label)}`);
      const m = this.evalMatrix(e.expr);
      return this.rangeEval([m], (v, ts) => {
        const out = countValues(
          v[0],
          label,
          grouping,
          e.without,
          (s) => s.h ? histogramString(s.h) : formatFloatF(s.f),
        );
        for (const s of out) s.t = ts;
        return out;
      });
    }
    let params: Float64Array | undefined;
    if (e.param && e.param.valueType !== "string") params = this.scalarValues(e.param);
    const m = this.evalMatrix(e.expr);
    if (op === "topk" || op === "bottomk" || op === "limitk" || op === "limit_ratio") {
      const ps = params!;
      let max = -Infinity, min = Infinity, anyNaN = false;
      for (const p of ps) {
        if (Number.isNaN(p)) anyNaN = true;
        else {
          max = Math.max(max, p);
          min = Math.min(min, p);
        }
      }
      if (op === "limit_ratio") {
        if (!anyNaN && max === 0 && min === 0) return [];
        if (anyNaN) execError("Ratio value is NaN");
        if (max > 1) this.ctx.annos.warn(ANNO.invalidRatio(max, 1), e.param!.pos);
        if (min < -1) this.ctx.annos.warn(ANNO.invalidRatio(min, -1), e.param!.pos);
      } else {
        if (!anyNaN && max < 1) return [];
        if (anyNaN) execError("Parameter value is NaN");
        if (min <= -9223372036854775808) {
          execError(`Scalar value ${formatFloatG(min)} underflows int64`);
        }
        if (max >= 9223372036854775807) {
          execError(`Scalar value ${formatFloatG(max)} overflows int64`);
        }
      }
      if ((op === "topk" || op === "bottomk") && m.every((s) => s.hT.length === 0)) {
        return this.topkColumnar(op, m, ps, grouping, e.without);
      }
      const keys = new Map<Labels, string>();
      const res = this.rangeEval([m], (v, ts, k) => {
        const out = aggregateK(op, v[0], ps[k], grouping, e.without, this.ctx.annos, e.pos, keys);
        return out.map((s) => ({ ...s, t: ts }));
      }, true);
      return res;
    }
    if (op === "quantile" && params) {
      let anyNaN = false, max = -Infinity, min = Infinity;
      for (const p of params) {
        if (Number.isNaN(p)) anyNaN = true;
        else {
          max = Math.max(max, p);
          min = Math.min(min, p);
        }
      }
      if (anyNaN) this.ctx.annos.warn(ANNO.invalidQuantile(NaN), e.param!.pos);
      if (max > 1) this.ctx.annos.warn(ANNO.invalidQuantile(max), e.param!.pos);
      if (min < 0) this.ctx.annos.warn(ANNO.invalidQuantile(min), e.param!.pos);
    }
    const fast = aggregateColumnar(
      op,
      m,
      grouping,
      e.without,
      this.start,
      this.interval,
      this.steps,
    );
    if (fast) {
      let n = 0;
      for (const s of fast) n += s.fT.length;
      this.ctx.addSamples(n);
      this.ctx.currentSamples -= n;
      return fast;
    }
    const agg = new Aggregator(op, grouping, e.without, this.ctx.annos, e.expr.pos);
    const res = this.rangeEval([m], (v, ts, k) => {
      const out = agg.step(v[0], params ? params[k] : NaN);
      for (const s of out) s.t = ts;
      return out;
    });
    return res;
  }

  /**
   * topk/bottomk over float-only series without per-step Sample objects: the same per-step
   * groups (in order of first appearance), the same heap selection (selectK) and the same
   * assembly into series as rangeEval with aggregateK.
   */
  topkColumnar(
    op: "topk" | "bottomk",
    m: Matrix,
    ps: Float64Array,
    grouping: readonly string[],
    without: boolean,
  ): Matrix {
    const n = m.length;
    const groupOf = new Int32Array(n);
    const groupIds = new Map<string, number>();
    const keyOf = groupKeyFn(grouping, without);
    for (let j = 0; j < n; j++) {
      const key = keyOf(m[j].metric);
      let gi = groupIds.get(key);
      if (gi === undefined) groupIds.set(key, gi = groupIds.size);
      groupOf[j] = gi;
    }
    const members: number[][] = Array.from({ length: groupIds.size }, () => []);
    const stamp = new Int32Array(groupIds.size).fill(-1);
    const cur = new Int32Array(n);
    const vals = new Float64Array(n);
    const val = (j: number) => vals[j];
    const out = new Map<string, { s: Series; lastT: number }>();
    const order: Series[] = [];
    const groupOrder: number[] = [];
    let held = 0;
    // Steps are taken TOPK_BLOCK_STEPS at a time: each series' samples for the block are copied
    // into step-major arrays in one visit, so the per-step pass over all series reads typed
    // arrays in order instead of chasing every series' arrays once per step.
    const block = Math.max(1, Math.min(this.steps, TOPK_BLOCK_STEPS));
    const blockV = new Float64Array(block * n), blockP = new Uint8Array(block * n);
    for (let k0 = 0; k0 < this.steps; k0 += block) {
      const k1 = Math.min(this.steps, k0 + block);
      blockP.fill(0);
      for (let j = 0; j < n; j++) {
        const fT = m[j].fT, fV = m[j].fV;
        let c = cur[j];
        for (let k = k0; k < k1; k++) {
          const ts = this.ts(k);
          while (c < fT.length && fT[c] < ts) c++;
          if (c < fT.length && fT[c] === ts) {
            const x = (k - k0) * n + j;
            blockV[x] = fV[c];
            blockP[x] = 1;
            c++;
          }
        }
        cur[j] = c;
      }
      for (let k = k0; k < k1; k++) {
        const ts = this.ts(k);
        this.ctx.checkDone();
        groupOrder.length = 0;
        let count = 0;
        const base = (k - k0) * n;
        for (let j = 0; j < n; j++) {
          if (blockP[base + j] === 0) continue;
          vals[j] = blockV[base + j];
          const gi = groupOf[j];
          if (stamp[gi] !== k) {
            stamp[gi] = k;
            members[gi].length = 0;
            groupOrder.push(gi);
          }
          members[gi].push(j);
          count++;
        }
        const kk = Math.min(Math.trunc(ps[k]), count);
        if (kk >= 1) {
          let emitted = 0;
          for (const gi of groupOrder) {
            for (const j of selectK(members[gi], kk, op === "topk", val)) {
              const key = cachedLabelsKey(m[j].metric);
              let e = out.get(key);
              if (e) {
                if (e.lastT === ts) {
                  execError("vector cannot contain metrics with the same labelset");
                }
                e.lastT = ts;
              } else {
                e = { s: newSeries(m[j].metric, m[j].dropName), lastT: ts };
                out.set(key, e);
                order.push(e.s);
              }
              e.s.fT.push(ts);
              e.s.fV.push(vals[j]);
              emitted++;
            }
          }
          held += emitted;
          if (this.ctx.currentSamples + held > this.ctx.samplesMax) this.ctx.addSamples(held);
        }
      }
    }
    return order;
  }

  // ---- binary operators ----

  binary(e: BinaryExpr): Matrix {
    const lt = e.lhs.valueType, rt = e.rhs.valueType;
    const annos = this.ctx.annos;
    if (lt === "scalar" && rt === "scalar") {
      const l = this.evalMatrix(e.lhs), r = this.evalMatrix(e.rhs);
      return this.rangeEval([l, r], (v, ts) => [{
        metric: [],
        t: ts,
        f: scalarBinop(e.op, v[0][0]?.f ?? NaN, v[1][0]?.f ?? NaN),
        h: undefined,
        dropName: false,
      }]);
    }
    if (lt === "vector" && rt === "vector") {
      const matching: VectorMatching = e.vectorMatching ?? {
        card: "one-to-one",
        matchingLabels: [],
        on: false,
        include: [],
        fillValues: {},
      };
      const l = this.evalMatrix(e.lhs), r = this.evalMatrix(e.rhs);
      const sig = memoSig(signatureFn(matching));
      switch (e.op) {
        case "and":
        case "or":
        case "unless":
          if (this.steps === 1) {
            // Instant queries keep the per-step code (it also fixes the result order).
            const f = e.op === "and" ? vectorAnd : e.op === "or" ? vectorOr : vectorUnless;
            return this.rangeEval([l, r], (v) => f(v[0], v[1], sig));
          }
          return setOpColumnar(e.op, l, r, sig, cachedLabelsKey);
        default: {
          const fast = vectorBinopColumnar(e.op, l, r, matching, e.returnBool, sig);
          if (fast) return fast;
          return this.rangeEval(
            [l, r],
            (v) => vectorBinop(e.op, v[0], v[1], matching, e.returnBool, sig, annos, e.pos),
          );
        }
      }
    }
    const l = this.evalMatrix(e.lhs), r = this.evalMatrix(e.rhs);
    const scalarSide = lt === "vector" ? r : l;
    const sv = new Float64Array(this.steps).fill(NaN);
    if (scalarSide.length > 0) {
      const sc = scalarSide[0];
      for (let i = 0; i < sc.fT.length; i++) {
        const k = Math.round((sc.fT[i] - this.start) / this.interval);
        if (k >= 0 && k < this.steps) sv[k] = sc.fV[i];
      }
    }
    const fast = vectorScalarColumnar(
      e.op,
      lt === "vector" ? l : r,
      sv,
      this.start,
      this.interval,
      lt !== "vector",
      e.returnBool,
    );
    if (fast) return fast;
    if (lt === "vector") {
      return this.rangeEval(
        [l, r],
        (v) => vectorScalarBinop(e.op, v[0], v[1][0]?.f ?? NaN, false, e.returnBool, annos, e.pos),
      );
    }
    return this.rangeEval(
      [l, r],
      (v) => vectorScalarBinop(e.op, v[1], v[0][0]?.f ?? NaN, true, e.returnBool, annos, e.pos),
    );
  }
}

/** Steps of topk/bottomk's columnar path whose samples are gathered in one visit per series. */
const TOPK_BLOCK_STEPS = 16;

const labelsKeyCache = new WeakMap<Labels, string>();

/** labelsKey() memoised by label-set identity (series keep their Labels object across steps). */
export function cachedLabelsKey(l: Labels): string {
  let k = labelsKeyCache.get(l);
  if (k === undefined) {
    k = labelsKey(l);
    labelsKeyCache.set(l, k);
  }
  return k;
}

function memoSig(fn: (l: Labels) => string): (l: Labels) => string {
  const cache = new WeakMap<Labels, string>();
  return (l) => {
    let s = cache.get(l);
    if (s === undefined) {
      s = fn(l);
      cache.set(l, s);
    }
    return s;
  };
}

/** Applies delayed name removal to a finished result. */
export function cleanupMetricLabels(m: Matrix): Matrix {
  let changed = false;
  for (const s of m) {
    if (!s.dropName) continue;
    const d = dropMetadata(s.metric);
    if (d !== s.metric) {
      s.metric = d;
      changed = true;
    }
  }
  // Only dropped names can make two distinct series collide.
  return changed ? mergeSameLabelset(m) : m;
}
