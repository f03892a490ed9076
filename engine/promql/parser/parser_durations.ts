/** Duration expressions of ranges, steps and offsets (`[5m+step()]`, `offset -(1m)`). */

import type { DurationExpr, Expr, NumberLiteral } from "./ast.ts";
import type { Token, TokenType } from "./tokens.ts";
import { BIN_OP, ParserBase, zeroLiteral } from "./parser_base.ts";

/** Precedence of the operators inside duration expressions (as for binary expressions). */
export const DUR_PREC: Partial<Record<TokenType, number>> = {
  ADD: 4,
  SUB: 4,
  MUL: 5,
  DIV: 5,
  MOD: 5,
  POW: 6,
};

const MAX_DURATION_S = 9223372036.854775807; // int64 nanoseconds, in seconds

/** True when `v` seconds do not fit Go's time.Duration (int64 nanoseconds). */
function durationOutOfRange(v: number): boolean {
  return v > MAX_DURATION_S || v < -MAX_DURATION_S;
}

/**
 * Marks a parenthesised duration expression; a bare literal becomes unary "+" so that the
 * printer keeps the parentheses (as Prometheus's wrapParenDurationExpr does).
 */
function wrapParen(e: NumberLiteral | DurationExpr, start: number, end: number): DurationExpr {
  if (e.kind === "DurationExpr") {
    e.wrapped = true;
    e.pos = { start, end };
    return e;
  }
  return {
    kind: "DurationExpr",
    op: "+",
    rhs: e,
    wrapped: true,
    pos: { start, end },
    valueType: "scalar",
  };
}

/** Parses duration expressions on top of the token cursor. */
export class DurationParser extends ParserBase {
  protected parseOffsetDuration(): NumberLiteral | DurationExpr {
    const t = this.tok;
    switch (t.type) {
      case "NUMBER":
      case "DURATION":
        return this.durationLiteral();
      case "STEP":
      case "RANGE":
        return this.parseStepRange();
      case "MAX_OF":
      case "MIN_OF":
        return this.parseMinMax();
      case "LEFT_PAREN":
        return this.parseDurBinaryRest(this.parseParenDuration(), 0);
      case "ADD":
      case "SUB": {
        this.advance();
        const n = this.t();
        if (n === "NUMBER" || n === "DURATION") {
          const lit = this.numberLiteral();
          return this.applyUnaryDur(t, lit);
        }
        let inner: NumberLiteral | DurationExpr;
        if (n === "STEP" || n === "RANGE") inner = this.parseStepRange();
        else if (n === "MAX_OF" || n === "MIN_OF") inner = this.parseMinMax();
        else if (n === "LEFT_PAREN") return this.applyUnaryDur(t, this.parseParenInner());
        else {
          const operand = this.parseDurExpr(DUR_PREC.POW!);
          return this.parseDurBinaryRest(this.applyUnaryDur(t, operand), 0);
        }
        const de: DurationExpr = {
          kind: "DurationExpr",
          op: t.type === "SUB" ? "-" : "+",
          rhs: inner,
          wrapped: false,
          pos: { start: t.pos, end: inner.pos.end },
          valueType: "scalar",
        };
        this.experimentalDuration(de);
        return de;
      }
    }
    this.unexpected();
  }

  protected durationLiteral(): NumberLiteral {
    const lit = this.numberLiteral();
    if (durationOutOfRange(lit.value)) {
      this.err(lit.pos, "duration out of range");
      return zeroLiteral();
    }
    return lit;
  }

  protected experimentalDuration(e: Expr): void {
    if (!this.opts.durationExpressions) {
      this.err(e.pos, "experimental duration expression is not enabled");
    }
  }

  protected parseDurExpr(minPrec: number): NumberLiteral | DurationExpr {
    this.enter();
    const r = this.parseDurBinaryRest(this.parseDurUnary(), minPrec);
    this.depth--;
    return r;
  }

  protected parseDurBinaryRest(
    lhs: NumberLiteral | DurationExpr,
    minPrec: number,
  ): NumberLiteral | DurationExpr {
    for (;;) {
      const opTok = this.tok;
      const prec = DUR_PREC[opTok.type];
      if (prec === undefined || prec < minPrec) return lhs;
      this.advance();
      const rhs = this.parseDurExpr(opTok.type === "POW" ? prec : prec + 1);
      this.experimentalDuration(lhs);
      const op = BIN_OP[opTok.type] as DurationExpr["op"];
      if ((op === "/" || op === "%") && rhs.kind === "NumberLiteral" && rhs.value === 0) {
        this.err(
          { start: opTok.pos, end: opTok.end },
          op === "/" ? "division by zero" : "modulo by zero",
        );
        lhs = zeroLiteral();
        continue;
      }
      lhs = {
        kind: "DurationExpr",
        op,
        lhs,
        rhs,
        wrapped: false,
        pos: { start: lhs.pos.start, end: rhs.pos.end },
        valueType: "scalar",
      };
    }
  }

  protected parseDurUnary(): NumberLiteral | DurationExpr {
    const t = this.tok;
    switch (t.type) {
      case "ADD":
      case "SUB": {
        this.advance();
        const operand = this.parseDurExpr(DUR_PREC.POW!);
        return this.applyUnaryDur(t, operand);
      }
      case "NUMBER":
      case "DURATION":
        return this.durationLiteral();
      case "STEP":
      case "RANGE":
        return this.parseStepRange();
      case "MAX_OF":
      case "MIN_OF":
        return this.parseMinMax();
      case "LEFT_PAREN":
        return this.parseParenDuration();
    }
    this.unexpected();
  }

  protected parseStepRange(): DurationExpr {
    const t = this.advance();
    this.expect("LEFT_PAREN");
    const close = this.expect("RIGHT_PAREN");
    const de: DurationExpr = {
      kind: "DurationExpr",
      op: t.type === "STEP" ? "step" : "range",
      wrapped: false,
      pos: { start: t.pos, end: close.end },
      valueType: "scalar",
    };
    this.experimentalDuration(de);
    return de;
  }

  protected parseMinMax(): DurationExpr {
    const t = this.advance();
    this.expect("LEFT_PAREN");
    const a = this.parseDurExpr(0);
    this.expect("COMMA");
    const b = this.parseDurExpr(0);
    const close = this.expect("RIGHT_PAREN");
    const de: DurationExpr = {
      kind: "DurationExpr",
      op: t.type === "MAX_OF" ? "max_of" : "min_of",
      lhs: a,
      rhs: b,
      wrapped: false,
      pos: { start: t.pos, end: close.end },
      valueType: "scalar",
    };
    this.experimentalDuration(de);
    return de;
  }

  /** `( duration_expr )` without wrapping. */
  protected parseParenInner(): NumberLiteral | DurationExpr {
    const open = this.advance();
    const inner = this.parseDurExpr(0);
    const close = this.expect("RIGHT_PAREN");
    this.experimentalDuration(inner);
    return wrapParen(inner, open.pos, close.end);
  }

  protected parseParenDuration(): DurationExpr {
    return this.parseParenInner() as DurationExpr;
  }

  /** Unary +/- on a duration: negates a literal in place, wraps an expression in unary "-". */
  protected applyUnaryDur(
    op: Token,
    e: NumberLiteral | DurationExpr,
  ): NumberLiteral | DurationExpr {
    if (e.kind === "DurationExpr") {
      if (op.type === "SUB") {
        return {
          kind: "DurationExpr",
          op: "-",
          rhs: e,
          wrapped: false,
          pos: { start: op.pos, end: e.pos.end },
          valueType: "scalar",
        };
      }
      return e;
    }
    if (op.type === "SUB") e.value = -e.value;
    if (durationOutOfRange(e.value)) {
      this.err({ start: op.pos, end: op.end }, "duration out of range");
      return zeroLiteral();
    }
    e.pos = { start: op.pos, end: e.pos.end };
    return e;
  }

  protected positive(d: NumberLiteral | DurationExpr): NumberLiteral | DurationExpr {
    if (d.kind === "NumberLiteral" && !(d.value > 0)) {
      this.err(d.pos, "duration must be greater than 0");
      return zeroLiteral();
    }
    return d;
  }
}
