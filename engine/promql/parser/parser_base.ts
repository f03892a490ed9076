/**
 * Token cursor, error collection and shared helpers of the PromQL parser (see parser.ts). The
 * lookahead is lexed lazily, as yacc reads a lookahead only when a state needs one, so errors
 * surface in the order Prometheus reports them.
 */

import type { BinaryOp, NumberLiteral, PosRange } from "./ast.ts";
import type { ParseErrorDetail } from "./errors.ts";
import { Lexer } from "./lexer.ts";
import { describeToken, type Token, type TokenType } from "./tokens.ts";
import { decodeNumber, parseDurationMs } from "./literals.ts";

/** Deepest nesting of parentheses, calls and aggregations the parser accepts. */
export const PARSE_DEPTH_MAX = 1000;

/** Resolved feature switches (see ParseOptions). */
export interface ParseFeatures {
  experimentalFunctions: boolean;
  durationExpressions: boolean;
  extendedRangeSelectors: boolean;
  binopFillModifiers: boolean;
}

/** Internal signal: a fatal syntax error was recorded; unwinds to the entry point. */
export class Abort extends Error {}

/** Innermost construct being parsed, for "unexpected X in <context>, expected <expected>". */
export interface Ctx {
  context: string;
  expected: string;
}

/** Binary operator tokens and their operators (also used inside duration expressions). */
export const BIN_OP: Partial<Record<TokenType, BinaryOp>> = {
  LOR: "or",
  LAND: "and",
  LUNLESS: "unless",
  EQLC: "==",
  NEQ: "!=",
  LTE: "<=",
  LSS: "<",
  GTE: ">=",
  GTR: ">",
  TRIM_UPPER: "</",
  TRIM_LOWER: ">/",
  ADD: "+",
  SUB: "-",
  MUL: "*",
  DIV: "/",
  MOD: "%",
  ATAN2: "atan2",
  POW: "^",
};

/** Go's math.Round: halves round away from zero (JS Math.round rounds them up). */
export function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Seconds to integer milliseconds the way Prometheus goes through nanoseconds. */
export function secondsToMs(v: number): number {
  const ms = Math.trunc(goRound(v * 1e9) / 1e6);
  return ms === 0 ? 0 : ms;
}

/** A zero literal standing in for an erroneous duration (as Prometheus does). */
export function zeroLiteral(): NumberLiteral {
  return {
    kind: "NumberLiteral",
    value: 0,
    duration: false,
    pos: { start: 0, end: 0 },
    valueType: "scalar",
  };
}

/** Cursor over the lexer's tokens plus the error list and the context stack. */
export class ParserBase {
  readonly input: string;

  protected readonly lex: Lexer;

  protected readonly opts: ParseFeatures;

  protected readonly errors: ParseErrorDetail[] = [];

  protected readonly ctx: Ctx[] = [];

  /** Lookahead token; lexed lazily, like yacc reads a lookahead only when a state needs one. */
  protected la: Token | undefined;

  protected depth = 0;

  constructor(input: string, opts: ParseFeatures) {
    this.input = input;
    this.lex = new Lexer(input);
    this.opts = opts;
  }

  /** Type of the lookahead token (a call, so TypeScript does not narrow it across advances). */
  protected t(): TokenType {
    return this.tok.type;
  }

  protected get tok(): Token {
    return this.la ??= this.lex.next();
  }

  protected advance(): Token {
    const prev = this.tok;
    this.la = undefined;
    return prev;
  }

  protected expect(type: TokenType): Token {
    if (this.t() !== type) this.unexpected();
    return this.advance();
  }

  protected err(pos: PosRange, msg: string): void {
    this.errors.push({ pos: { start: pos.start, end: pos.end }, err: msg });
  }

  protected unexpected(): never {
    const t = this.tok;
    const ctx = this.ctx[this.ctx.length - 1];
    let msg = "unexpected " + describeToken(t);
    if (ctx?.context) msg += " in " + ctx.context;
    if (ctx?.expected) msg += ", expected " + ctx.expected;
    this.errors.push({ pos: { start: t.pos, end: t.end }, err: msg });
    throw new Abort();
  }

  protected withCtx<T>(context: string, expected: string, fn: (ctx: Ctx) => T): T {
    const ctx = { context, expected };
    this.ctx.push(ctx);
    const out = fn(ctx);
    this.ctx.pop();
    return out;
  }

  protected enter(): void {
    if (++this.depth > PARSE_DEPTH_MAX) {
      this.err(
        { start: this.tok.pos, end: this.tok.end },
        `expression nesting exceeds ${PARSE_DEPTH_MAX} levels`,
      );
      throw new Abort();
    }
  }

  // ---- expressions ----

  protected numberLiteral(): NumberLiteral {
    const t = this.advance();
    const pos = { start: t.pos, end: t.end };
    if (t.type === "DURATION") {
      const d = parseDurationMs(t.val);
      if (!d.ok) this.err(pos, d.err);
      const ms = d.ok ? d.value : 0;
      return { kind: "NumberLiteral", value: ms / 1000, duration: true, pos, valueType: "scalar" };
    }
    const n = decodeNumber(t.val);
    if (!n.ok) this.err(pos, n.err);
    return {
      kind: "NumberLiteral",
      value: n.ok ? n.value : 0,
      duration: false,
      pos,
      valueType: "scalar",
    };
  }

  // ---- selectors ----
}
