/**
 * Recursive-descent PromQL parser with precedence climbing for binary operators. It follows the
 * grammar of Prometheus's generated_parser.y (Prometheus 3.x, experimental features included)
 * and reproduces its error messages: syntax errors name the innermost construct that Prometheus's
 * yacc error productions would name ("in aggregation", "in label matching", ...).
 */

import { Matcher, RegexSyntaxError } from "../../model/mod.ts";
import type {
  AggregateExpr,
  AggregateOp,
  BinaryExpr,
  BinaryOp,
  Call,
  Expr,
  FillValues,
  MatchCardinality,
  NumberLiteral,
  PosRange,
  StringLiteral,
  VectorSelector,
} from "./ast.ts";
import { checkAst } from "./check.ts";
import { PromQLParseError } from "./errors.ts";
import type { FunctionDef } from "./functions.ts";
import { getFunction } from "./functions.ts";
import { goQuote } from "../../model/go_format.ts";
import { LexError } from "./lexer.ts";
import { AGGREGATORS, type Token, type TokenType } from "./tokens.ts";
import { unquoteString } from "./literals.ts";
import { Abort, BIN_OP, type Ctx } from "./parser_base.ts";
import { ModifierParser } from "./parser_modifiers.ts";
import { convertPositions } from "./positions.ts";

export { PARSE_DEPTH_MAX } from "./parser_base.ts";

/** Feature switches; all default to true (the upstream corpus enables them). */
export interface ParseOptions {
  /** Experimental functions (`limitk`, `info`, `mad_over_time`, ...). */
  experimentalFunctions?: boolean;
  /** Duration expressions in ranges, steps and offsets (`[5m+1m]`, `offset step()`). */
  durationExpressions?: boolean;
  /** `anchored` / `smoothed` range-selector modifiers. */
  extendedRangeSelectors?: boolean;
  /** `fill`/`fill_left`/`fill_right` binary operator modifiers. */
  binopFillModifiers?: boolean;
}

/** Parses and type-checks a PromQL expression; throws PromQLParseError. */
export function parseExpr(input: string, opts: ParseOptions = {}): Expr {
  const p = new Parser(input, {
    experimentalFunctions: opts.experimentalFunctions ?? true,
    durationExpressions: opts.durationExpressions ?? true,
    extendedRangeSelectors: opts.extendedRangeSelectors ?? true,
    binopFillModifiers: opts.binopFillModifiers ?? true,
  });
  return p.parse();
}

/**
 * Parses a bare series selector (`foo{a="b"}`, `{__name__=~"x.*"}`) as Prometheus's
 * `ParseMetricSelector` does for `match[]`: no modifiers, no type check (so empty-matching
 * selectors are returned, callers decide). Throws PromQLParseError.
 */
export function parseMetricSelector(input: string): Matcher[] {
  const p = new Parser(input, {
    experimentalFunctions: true,
    durationExpressions: true,
    extendedRangeSelectors: true,
    binopFillModifiers: true,
  });
  return p.parseSelectorOnly();
}

/** Binary precedence, lowest first: or < and, unless < comparisons < +, - < *, /, %, atan2 < ^. */
const BIN_PREC: Partial<Record<TokenType, number>> = {
  LOR: 1,
  LAND: 2,
  LUNLESS: 2,
  EQLC: 3,
  NEQ: 3,
  LTE: 3,
  LSS: 3,
  GTE: 3,
  GTR: 3,
  TRIM_UPPER: 3,
  TRIM_LOWER: 3,
  ADD: 4,
  SUB: 4,
  MUL: 5,
  DIV: 5,
  MOD: 5,
  ATAN2: 5,
  POW: 6,
};

/** Tokens that may name a metric (grammar rule metric_identifier). */
const METRIC_IDENT = new Set<TokenType>([
  "IDENTIFIER",
  "METRIC_IDENTIFIER",
  "BY",
  "WITHOUT",
  "OFFSET",
  "FILL",
  "FILL_LEFT",
  "FILL_RIGHT",
  "LAND",
  "LOR",
  "LUNLESS",
  "START",
  "END",
  "STEP",
  "RANGE",
  "ANCHORED",
  "SMOOTHED",
  "MAX_OF",
  "MIN_OF",
  ...AGGREGATORS,
]);

/** Tokens that may name a label in grouping lists (grammar rule maybe_label). */
const MAYBE_LABEL = new Set<TokenType>([
  ...AGGREGATORS,
  "BOOL",
  "BY",
  "GROUP_LEFT",
  "GROUP_RIGHT",
  "FILL",
  "FILL_LEFT",
  "FILL_RIGHT",
  "IDENTIFIER",
  "IGNORING",
  "LAND",
  "LOR",
  "LUNLESS",
  "METRIC_IDENTIFIER",
  "OFFSET",
  "ON",
  "START",
  "END",
  "ATAN2",
  "STEP",
  "RANGE",
  "ANCHORED",
  "SMOOTHED",
  "MAX_OF",
  "MIN_OF",
]);

/** Tokens that can begin an expression. */
const EXPR_START = new Set<TokenType>([
  ...METRIC_IDENT,
  "NUMBER",
  "DURATION",
  "STRING",
  "LEFT_PAREN",
  "LEFT_BRACE",
  "ADD",
  "SUB",
]);

/** Fill modifiers, which may follow `group_left`/`group_right` without a label list. */
const FILL_TOKENS = new Set<TokenType>(["FILL", "FILL_LEFT", "FILL_RIGHT"]);

/** Aggregations whose first argument is a parameter. */
const PARAM_AGGREGATORS = new Set<AggregateOp>([
  "topk",
  "bottomk",
  "count_values",
  "quantile",
  "limitk",
  "limit_ratio",
]);

/** Stand-in signature for an unknown function (an error is recorded, the AST never escapes). */
const UNKNOWN_FUNCTION: FunctionDef = Object.freeze({
  name: "",
  argTypes: Object.freeze([]),
  variadic: 0,
  returnType: "vector",
  experimental: false,
});

/** The PromQL parser: expressions, selectors, calls and aggregations. */
class Parser extends ModifierParser {
  parse(): Expr {
    let expr: Expr | undefined;
    try {
      if (this.t() === "EOF") {
        this.errors.push({ pos: { start: 0, end: 0 }, err: "no expression found in input" });
        throw new Abort();
      }
      expr = this.parseExpr(1);
      if (this.t() !== "EOF") this.unexpected();
      if (this.errors.length === 0) checkAst(expr, this.input, this.errors);
    } catch (e) {
      if (e instanceof LexError) {
        this.errors.push({ pos: { start: e.pos, end: this.input.length }, err: e.msg });
      } else if (e instanceof RangeError && !(e instanceof PromQLParseError)) {
        // Stack exhaustion on pathological nesting: report it as a parse error, never crash.
        this.errors.push({
          pos: { start: 0, end: this.input.length },
          err: "expression too deeply nested",
        });
      } else if (!(e instanceof Abort)) {
        throw e;
      }
    }
    if (this.errors.length > 0 || expr === undefined) {
      throw new PromQLParseError(this.input, convertPositions(this.input, this.errors));
    }
    return convertPositions(this.input, expr);
  }

  parseSelectorOnly(): Matcher[] {
    let vs: VectorSelector | undefined;
    try {
      const t = this.tok;
      if (t.type === "LEFT_BRACE") vs = this.parseSelector(undefined);
      else if (METRIC_IDENT.has(t.type)) {
        this.advance();
        vs = this.parseSelector(t);
      } else this.unexpected();
      if (this.t() !== "EOF") this.unexpected();
    } catch (e) {
      if (e instanceof LexError) {
        this.errors.push({ pos: { start: e.pos, end: this.input.length }, err: e.msg });
      } else if (!(e instanceof Abort)) {
        throw e;
      }
    }
    if (this.errors.length > 0 || vs === undefined) {
      throw new PromQLParseError(this.input, convertPositions(this.input, this.errors));
    }
    return vs.matchers;
  }

  // ---- token helpers ----

  private parseExpr(minPrec: number): Expr {
    this.enter();
    let lhs = this.parseUnary();
    for (;;) {
      const opTok = this.tok;
      const prec = BIN_PREC[opTok.type];
      if (prec === undefined || prec < minPrec) break;
      this.advance();
      const mods = this.parseBinModifiers();
      const rhs = this.parseExpr(opTok.type === "POW" ? prec : prec + 1);
      lhs = this.newBinary(lhs, BIN_OP[opTok.type]!, mods, rhs);
    }
    this.depth--;
    return lhs;
  }

  private newBinary(
    lhs: Expr,
    op: BinaryOp,
    mods: {
      returnBool: boolean;
      card: MatchCardinality;
      on: boolean;
      matching: string[];
      include: string[];
      fill: FillValues;
    },
    rhs: Expr,
  ): BinaryExpr {
    const e: BinaryExpr = {
      kind: "BinaryExpr",
      op,
      lhs,
      rhs,
      returnBool: mods.returnBool,
      vectorMatching: {
        card: mods.card,
        matchingLabels: mods.matching,
        on: mods.on,
        include: mods.include,
        fillValues: mods.fill,
      },
      pos: { start: lhs.pos.start, end: rhs.pos.end },
      valueType: lhs.valueType === "scalar" && rhs.valueType === "scalar" ? "scalar" : "vector",
    };
    if (
      !this.opts.binopFillModifiers && (mods.fill.lhs !== undefined || mods.fill.rhs !== undefined)
    ) {
      this.err(e.pos, "binop fill modifiers are experimental and not enabled");
    }
    return e;
  }

  private parseBinModifiers() {
    let returnBool = false;
    let card: MatchCardinality = "one-to-one";
    let on = false;
    let matching: string[] = [];
    let include: string[] = [];
    const fill: FillValues = {};
    if (this.t() === "BOOL") {
      this.advance();
      returnBool = true;
    }
    if (this.t() === "ON" || this.t() === "IGNORING") {
      on = this.advance().type === "ON";
      matching = this.parseGroupingLabels();
      if (this.t() === "GROUP_LEFT" || this.t() === "GROUP_RIGHT") {
        card = this.advance().type === "GROUP_LEFT" ? "many-to-one" : "one-to-many";
        const n = this.t();
        // The label list is optional, but only an expression or a fill modifier may follow
        // without one; anything else is reported as a bad grouping list, as Prometheus does.
        if (n === "LEFT_PAREN" || !(EXPR_START.has(n) || FILL_TOKENS.has(n))) {
          include = this.parseGroupingLabels();
        }
      }
    }
    const t = this.t();
    if (t === "FILL") {
      this.advance();
      const v = this.parseFillValue();
      fill.lhs = v;
      fill.rhs = v;
    } else if (t === "FILL_LEFT" || t === "FILL_RIGHT") {
      this.advance();
      const v = this.parseFillValue();
      if (t === "FILL_LEFT") fill.lhs = v;
      else fill.rhs = v;
      const other = t === "FILL_LEFT" ? "FILL_RIGHT" : "FILL_LEFT";
      if (this.t() === other) {
        this.advance();
        const w = this.parseFillValue();
        if (other === "FILL_LEFT") fill.lhs = w;
        else fill.rhs = w;
      }
    }
    return { returnBool, card, on, matching, include, fill };
  }

  private parseFillValue(): number {
    this.expect("LEFT_PAREN");
    let sign = 1;
    if (this.t() === "ADD" || this.t() === "SUB") {
      if (this.advance().type === "SUB") sign = -1;
    }
    if (this.t() !== "NUMBER" && this.t() !== "DURATION") this.unexpected();
    const lit = this.numberLiteral();
    this.expect("RIGHT_PAREN");
    return sign * lit.value;
  }

  private parseUnary(): Expr {
    const t = this.tok;
    if (t.type !== "ADD" && t.type !== "SUB") return this.parsePostfix();
    this.advance();
    const operand = this.parseExpr(BIN_PREC.POW!);
    if (operand.kind === "NumberLiteral") {
      if (t.type === "SUB") operand.value = -operand.value;
      operand.pos = { start: t.pos, end: operand.pos.end };
      return operand;
    }
    return {
      kind: "UnaryExpr",
      op: t.type === "SUB" ? "-" : "+",
      expr: operand,
      pos: { start: t.pos, end: operand.pos.end },
      valueType: operand.valueType,
    };
  }

  private parsePostfix(): Expr {
    let e = this.parsePrimary();
    for (;;) {
      switch (this.t()) {
        case "LEFT_BRACKET":
          e = this.parseBracket(e);
          break;
        case "OFFSET":
          e = this.parseOffset(e);
          break;
        case "AT":
          e = this.parseAt(e);
          break;
        case "ANCHORED":
        case "SMOOTHED": {
          const t = this.advance();
          this.setExtended(e, t.type === "ANCHORED" ? "anchored" : "smoothed");
          break;
        }
        default:
          return e;
      }
    }
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    switch (t.type) {
      case "NUMBER":
      case "DURATION":
        return this.numberLiteral();
      case "STRING": {
        this.advance();
        const s: StringLiteral = {
          kind: "StringLiteral",
          value: unquoteString(t.val),
          pos: { start: t.pos, end: t.end },
          valueType: "string",
        };
        return s;
      }
      case "LEFT_PAREN": {
        this.advance();
        const inner = this.parseExpr(1);
        const close = this.expect("RIGHT_PAREN");
        return {
          kind: "ParenExpr",
          expr: inner,
          pos: { start: t.pos, end: close.end },
          valueType: inner.valueType,
        };
      }
      case "LEFT_BRACE":
        return this.parseSelector(undefined);
      case "IDENTIFIER":
      case "START":
      case "END":
      case "STEP":
      case "RANGE":
      case "MAX_OF":
      case "MIN_OF":
        this.advance();
        if (this.t() === "LEFT_PAREN") return this.parseCall(t);
        return this.parseSelector(t);
    }
    if (AGGREGATORS.has(t.type)) {
      this.advance();
      const n = this.t();
      if (n === "LEFT_PAREN" || n === "BY" || n === "WITHOUT") return this.parseAggregate(t);
      return this.parseSelector(t);
    }
    if (METRIC_IDENT.has(t.type)) {
      this.advance();
      return this.parseSelector(t);
    }
    this.unexpected();
  }

  private parseSelector(nameTok: Token | undefined): VectorSelector {
    const start = nameTok ? nameTok.pos : this.tok.pos;
    let end = nameTok ? nameTok.end : this.tok.end;
    let matchers: Matcher[] = [];
    if (this.t() === "LEFT_BRACE") {
      const r = this.parseLabelMatchers();
      matchers = r.matchers;
      end = r.end;
    }
    const name = nameTok ? nameTok.val : "";
    if (name !== "") matchers.push(new Matcher("=", "__name__", name));
    return {
      kind: "VectorSelector",
      name,
      matchers,
      offsetMs: 0,
      anchored: false,
      smoothed: false,
      bypassEmptyMatcherCheck: false,
      pos: { start, end },
      valueType: "vector",
    };
  }

  private parseLabelMatchers(): { matchers: Matcher[]; end: number } {
    return this.withCtx("label matching", "", (ctx) => {
      this.advance(); // {
      const matchers: Matcher[] = [];
      if (this.t() === "RIGHT_BRACE") return { matchers, end: this.advance().end };
      for (;;) {
        ctx.expected = 'identifier or "}"';
        const m = this.parseLabelMatcher(ctx);
        if (m) matchers.push(m);
        ctx.expected = '"," or "}"';
        if (this.t() === "COMMA") {
          this.advance();
          if (this.t() === "RIGHT_BRACE") return { matchers, end: this.advance().end };
          continue;
        }
        if (this.t() === "RIGHT_BRACE") return { matchers, end: this.advance().end };
        this.unexpected();
      }
    });
  }

  private parseLabelMatcher(ctx: Ctx): Matcher | undefined {
    const t = this.tok;
    let name: string;
    if (t.type === "IDENTIFIER") {
      this.advance();
      name = t.val;
      if (!isMatchOp(this.t())) {
        ctx.expected = "label matching operator";
        this.unexpected();
      }
    } else if (t.type === "STRING") {
      this.advance();
      name = unquoteString(t.val);
      if (!isMatchOp(this.t())) return new Matcher("=", "__name__", name);
    } else {
      this.unexpected();
    }
    const op = this.advance();
    if (this.t() !== "STRING") {
      ctx.expected = "string";
      this.unexpected();
    }
    const v = this.advance();
    const type = op.type === "EQL"
      ? "="
      : op.type === "NEQ"
      ? "!="
      : op.type === "EQL_REGEX"
      ? "=~"
      : "!~";
    try {
      return new Matcher(type, name, unquoteString(v.val));
    } catch (e) {
      if (!(e instanceof RegexSyntaxError)) throw e;
      this.err({ start: t.pos, end: v.end }, e.message);
      return undefined;
    }
  }

  // ---- calls and aggregations ----

  private parseCall(nameTok: Token): Call {
    // The body first: Prometheus checks the name when it reduces the whole call.
    const { args, end } = this.parseCallBody();
    let fn = getFunction(nameTok.val);
    const namePos = { start: nameTok.pos, end: nameTok.end };
    if (!fn) {
      this.err(namePos, `unknown function with name ${goQuote(nameTok.val)}`);
      fn = UNKNOWN_FUNCTION;
    } else if (fn.experimental && !this.opts.experimentalFunctions) {
      this.err(namePos, `function ${goQuote(nameTok.val)} is not enabled`);
    }
    return {
      kind: "Call",
      func: fn,
      args,
      pos: { start: nameTok.pos, end },
      valueType: fn.returnType,
    };
  }

  private parseCallBody(): { args: Expr[]; end: number } {
    this.expect("LEFT_PAREN");
    const args: Expr[] = [];
    if (this.t() === "RIGHT_PAREN") return { args, end: this.advance().end };
    for (;;) {
      args.push(this.parseExpr(1));
      if (this.t() === "COMMA") {
        const comma = this.advance();
        if (!EXPR_START.has(this.t())) {
          // Prometheus reduces "args ," by default whenever no expression follows.
          this.err(
            { start: comma.pos, end: comma.end },
            "trailing commas not allowed in function call args",
          );
          if (this.t() === "RIGHT_PAREN") break;
          this.unexpected();
        }
        continue;
      }
      if (this.t() === "RIGHT_PAREN") break;
      this.unexpected();
    }
    return { args, end: this.advance().end };
  }

  private parseAggregate(opTok: Token): AggregateExpr {
    const op = opTok.val.toLowerCase() as AggregateOp;
    const r = this.withCtx("aggregation", "", () => {
      let grouping: string[] = [];
      let without = false;
      let modifierFirst = false;
      if (this.t() === "BY" || this.t() === "WITHOUT") {
        without = this.advance().type === "WITHOUT";
        grouping = this.parseGroupingLabels();
        modifierFirst = true;
        if (this.t() !== "LEFT_PAREN") this.unexpected();
      }
      const body = this.parseCallBody();
      return { grouping, without, modifierFirst, body };
    });
    let { grouping, without } = r;
    let end = r.body.end;
    if (!r.modifierFirst && (this.t() === "BY" || this.t() === "WITHOUT")) {
      without = this.advance().type === "WITHOUT";
      grouping = this.parseGroupingLabels();
      end = this.lastEnd;
    }
    const pos = { start: opTok.pos, end };
    const args = r.body.args;
    const agg: AggregateExpr = {
      kind: "AggregateExpr",
      op,
      expr: args[args.length - 1] ?? placeholder(pos),
      grouping,
      without,
      pos,
      valueType: "vector",
    };
    if (args.length === 0) {
      this.err(pos, "no arguments for aggregate expression provided");
      return agg;
    }
    let desired = 1;
    if (PARAM_AGGREGATORS.has(op)) {
      if (!this.opts.experimentalFunctions && (op === "limitk" || op === "limit_ratio")) {
        this.err(
          pos,
          `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`,
        );
        return agg;
      }
      desired = 2;
      agg.param = args[0];
    }
    if (args.length !== desired) {
      this.err(
        pos,
        `wrong number of arguments for aggregate expression provided, expected ${desired}, got ${args.length}`,
      );
      return agg;
    }
    agg.expr = args[desired - 1];
    return agg;
  }

  private lastEnd = 0;

  private parseGroupingLabels(): string[] {
    return this.withCtx("grouping opts", '"("', (ctx) => {
      if (this.t() !== "LEFT_PAREN") this.unexpected();
      this.advance();
      const labels: string[] = [];
      if (this.t() === "RIGHT_PAREN") {
        this.lastEnd = this.advance().end;
        return labels;
      }
      for (;;) {
        ctx.expected = "label";
        const t = this.tok;
        let label: string;
        if (MAYBE_LABEL.has(t.type)) {
          label = t.val;
        } else if (t.type === "STRING") {
          label = unquoteString(t.val);
        } else {
          this.unexpected();
        }
        if (label === "" || !label.isWellFormed()) {
          this.err(
            { start: t.pos, end: t.end },
            `invalid label name for grouping: ${goQuote(label)}`,
          );
        }
        this.advance();
        labels.push(label);
        ctx.expected = '"," or ")"';
        if (this.t() === "COMMA") {
          this.advance();
          if (this.t() === "RIGHT_PAREN") break;
          continue;
        }
        if (this.t() === "RIGHT_PAREN") break;
        this.unexpected();
      }
      this.lastEnd = this.advance().end;
      return labels;
    });
  }

  // ---- range selectors, subqueries, offset, @ ----
}

function isMatchOp(t: TokenType): boolean {
  return t === "EQL" || t === "NEQ" || t === "EQL_REGEX" || t === "NEQ_REGEX";
}

function placeholder(pos: PosRange): NumberLiteral {
  return { kind: "NumberLiteral", value: 0, duration: false, pos, valueType: "scalar" };
}
