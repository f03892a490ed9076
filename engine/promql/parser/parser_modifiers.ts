/** Postfix modifiers of selectors and subqueries: `[range]`, `[range:step]`, `offset`, `@`, `anchored`, `smoothed`. */

import type {
  AtModifier,
  DurationExpr,
  Expr,
  MatrixSelector,
  NumberLiteral,
  PosRange,
  SubqueryExpr,
  VectorSelector,
} from "./ast.ts";
import { formatFloat6 } from "../../model/go_format.ts";
import { DurationParser } from "./parser_durations.ts";
import { goRound, secondsToMs } from "./parser_base.ts";

/** Parses modifiers on top of duration expressions. */
export class ModifierParser extends DurationParser {
  protected parseBracket(e: Expr): MatrixSelector | SubqueryExpr {
    const lb = this.advance();
    return this.withCtx(
      "subquery or range selector",
      "number, duration, step(), or range()",
      (ctx) => {
        const range = this.positive(this.parseDurExpr(0));
        ctx.context = "subquery or range";
        ctx.expected = '":" or "]"';
        if (this.t() === "RIGHT_BRACKET") {
          const rb = this.advance();
          return this.newMatrix(e, range, { start: lb.pos, end: rb.end });
        }
        if (this.t() !== "COLON") this.unexpected();
        this.advance();
        ctx.context = "subquery selector";
        ctx.expected = 'number, duration, step(), range(), or "]"';
        let step: Expr | undefined;
        if (this.t() !== "RIGHT_BRACKET") {
          step = this.positive(this.parseDurExpr(0));
          ctx.expected = '"]"';
          if (this.t() !== "RIGHT_BRACKET") this.unexpected();
        }
        const rb = this.advance();
        const sq: SubqueryExpr = {
          kind: "SubqueryExpr",
          expr: e,
          rangeMs: range.kind === "NumberLiteral" ? secondsToMs(range.value) : 0,
          stepMs: step?.kind === "NumberLiteral" ? secondsToMs(step.value) : 0,
          offsetMs: 0,
          pos: { start: e.pos.start, end: rb.end },
          valueType: "matrix",
        };
        if (range.kind === "DurationExpr") sq.rangeExpr = range;
        if (step?.kind === "DurationExpr") sq.stepExpr = step;
        return sq;
      },
    );
  }

  protected newMatrix(
    e: Expr,
    range: NumberLiteral | DurationExpr,
    brackets: PosRange,
  ): MatrixSelector {
    let msg = "";
    if (e.kind !== "VectorSelector") msg = "ranges only allowed for vector selectors";
    else if (e.offsetMs !== 0 || e.offsetExpr) msg = "no offset modifiers allowed before range";
    else if (e.at) msg = "no @ modifiers allowed before range";
    if (msg) this.err(brackets, msg);
    const m: MatrixSelector = {
      kind: "MatrixSelector",
      vectorSelector: e as VectorSelector,
      rangeMs: range.kind === "NumberLiteral" ? secondsToMs(range.value) : 0,
      pos: { start: e.pos.start, end: brackets.end },
      valueType: "matrix",
    };
    if (range.kind === "DurationExpr") m.rangeExpr = range;
    return m;
  }

  /** The node carrying offset/@ for `e`, or undefined after reporting why there is none. */
  protected modifierTarget(
    e: Expr,
    what: "offset" | "@",
  ): VectorSelector | SubqueryExpr | undefined {
    if (e.kind === "VectorSelector" || e.kind === "SubqueryExpr") return e;
    if (e.kind === "MatrixSelector") {
      if (e.vectorSelector.kind === "VectorSelector") return e.vectorSelector;
      this.err(e.pos, "ranges only allowed for vector selectors");
      return undefined;
    }
    this.err(
      e.pos,
      `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`,
    );
    return undefined;
  }

  protected parseOffset(e: Expr): Expr {
    this.advance();
    const d = this.withCtx(
      "offset",
      "number, duration, step(), or range()",
      () => this.parseOffsetDuration(),
    );
    const target = this.modifierTarget(e, "offset");
    if (!target) return e;
    if (target.offsetMs !== 0 || target.offsetExpr) {
      this.err(e.pos, "offset may not be set multiple times");
    } else if (d.kind === "NumberLiteral") {
      target.offsetMs = secondsToMs(d.value);
    } else {
      target.offsetExpr = d;
    }
    e.pos = { start: e.pos.start, end: d.pos.end };
    return e;
  }

  protected parseAt(e: Expr): Expr {
    this.advance();
    return this.withCtx("@", "timestamp", () => {
      const t = this.tok;
      if (t.type === "START" || t.type === "END") {
        this.advance();
        this.expect("LEFT_PAREN");
        const close = this.expect("RIGHT_PAREN");
        this.setAt(e, { kind: t.type === "START" ? "start" : "end" }, close.end);
        return e;
      }
      let sign = 1;
      if (t.type === "ADD" || t.type === "SUB") {
        this.advance();
        if (t.type === "SUB") sign = -1;
      }
      if (this.t() !== "NUMBER" && this.t() !== "DURATION") this.unexpected();
      const lit = this.numberLiteral();
      const ts = sign * lit.value;
      if (!Number.isFinite(ts) || ts >= 9223372036854775807 || ts <= -9223372036854775808) {
        this.err(e.pos, `timestamp out of bounds for @ modifier: ${formatFloat6(ts)}`);
      }
      const ms = goRound(ts * 1000);
      this.setAt(e, { kind: "timestamp", timestampMs: Number.isFinite(ms) ? ms : 0 }, lit.pos.end);
      return e;
    });
  }

  protected setAt(e: Expr, at: AtModifier, end: number): void {
    const target = this.modifierTarget(e, "@");
    if (!target) return;
    if (target.at) {
      this.err(e.pos, "@ <timestamp> may not be set multiple times");
      return;
    }
    target.at = at;
    e.pos = { start: e.pos.start, end };
  }

  protected setExtended(e: Expr, which: "anchored" | "smoothed"): void {
    if (!this.opts.extendedRangeSelectors) {
      this.err(e.pos, `${which} modifier is experimental and not enabled`);
      return;
    }
    let vs: VectorSelector;
    if (e.kind === "VectorSelector") vs = e;
    else if (e.kind === "MatrixSelector") {
      if (e.vectorSelector.kind !== "VectorSelector") return;
      vs = e.vectorSelector;
    } else if (e.kind === "SubqueryExpr") {
      this.err(e.pos, `${which} modifier is not supported for subqueries`);
      return;
    } else {
      this.err(e.pos, `${which} modifier not implemented`);
      return;
    }
    if (which === "anchored") vs.anchored = true;
    else vs.smoothed = true;
    if (vs.anchored && vs.smoothed) {
      this.err(e.pos, "anchored and smoothed modifiers cannot be used together");
    }
  }
}
