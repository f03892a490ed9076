/** PromQL token kinds, keyword tables and Prometheus's token descriptions for error messages. */

import { goQuote, goQuoteMax } from "../../model/go_format.ts";

/** Token kinds, named as in Prometheus's grammar. */
export type TokenType =
  | "EOF"
  | "ERROR"
  | "COMMENT"
  | "IDENTIFIER"
  | "METRIC_IDENTIFIER"
  | "NUMBER"
  | "DURATION"
  | "STRING"
  | "LEFT_PAREN"
  | "RIGHT_PAREN"
  | "LEFT_BRACE"
  | "RIGHT_BRACE"
  | "LEFT_BRACKET"
  | "RIGHT_BRACKET"
  | "COMMA"
  | "EQL"
  | "COLON"
  // operators
  | "ADD"
  | "SUB"
  | "MUL"
  | "DIV"
  | "MOD"
  | "POW"
  | "EQLC"
  | "NEQ"
  | "LTE"
  | "LSS"
  | "GTE"
  | "GTR"
  | "TRIM_UPPER"
  | "TRIM_LOWER"
  | "EQL_REGEX"
  | "NEQ_REGEX"
  | "AT"
  | "LAND"
  | "LOR"
  | "LUNLESS"
  | "ATAN2"
  // aggregators
  | "AVG"
  | "BOTTOMK"
  | "COUNT"
  | "COUNT_VALUES"
  | "GROUP"
  | "MAX"
  | "MIN"
  | "QUANTILE"
  | "STDDEV"
  | "STDVAR"
  | "SUM"
  | "TOPK"
  | "LIMITK"
  | "LIMIT_RATIO"
  // keywords
  | "BOOL"
  | "BY"
  | "GROUP_LEFT"
  | "GROUP_RIGHT"
  | "FILL"
  | "FILL_LEFT"
  | "FILL_RIGHT"
  | "IGNORING"
  | "OFFSET"
  | "SMOOTHED"
  | "ANCHORED"
  | "ON"
  | "WITHOUT"
  // preprocessors
  | "START"
  | "END"
  | "STEP"
  | "RANGE"
  | "MAX_OF"
  | "MIN_OF";

/** One lexed token; `pos`/`end` are UTF-16 indices, `val` the source text (or error message). */
export interface Token {
  type: TokenType;
  pos: number;
  end: number;
  val: string;
}

/** Words the lexer turns into keyword tokens (matched case-insensitively). */
export const KEYWORDS: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  ["and", "LAND"],
  ["or", "LOR"],
  ["unless", "LUNLESS"],
  ["atan2", "ATAN2"],
  ["sum", "SUM"],
  ["avg", "AVG"],
  ["count", "COUNT"],
  ["min", "MIN"],
  ["max", "MAX"],
  ["group", "GROUP"],
  ["stddev", "STDDEV"],
  ["stdvar", "STDVAR"],
  ["topk", "TOPK"],
  ["bottomk", "BOTTOMK"],
  ["count_values", "COUNT_VALUES"],
  ["quantile", "QUANTILE"],
  ["limitk", "LIMITK"],
  ["limit_ratio", "LIMIT_RATIO"],
  ["offset", "OFFSET"],
  ["smoothed", "SMOOTHED"],
  ["anchored", "ANCHORED"],
  ["by", "BY"],
  ["without", "WITHOUT"],
  ["on", "ON"],
  ["ignoring", "IGNORING"],
  ["group_left", "GROUP_LEFT"],
  ["group_right", "GROUP_RIGHT"],
  ["fill", "FILL"],
  ["fill_left", "FILL_LEFT"],
  ["fill_right", "FILL_RIGHT"],
  ["bool", "BOOL"],
  ["start", "START"],
  ["end", "END"],
  ["step", "STEP"],
  ["range", "RANGE"],
  ["max_of", "MAX_OF"],
  ["min_of", "MIN_OF"],
  ["inf", "NUMBER"],
  ["nan", "NUMBER"],
]);

/** Words the lexer recognises inside a range or subquery bracket. */
export const DURATION_KEYWORDS: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  ["step", "STEP"],
  ["range", "RANGE"],
  ["max_of", "MAX_OF"],
  ["min_of", "MIN_OF"],
]);

const OPERATORS = new Set<TokenType>([
  "ADD",
  "SUB",
  "MUL",
  "DIV",
  "MOD",
  "POW",
  "EQLC",
  "NEQ",
  "LTE",
  "LSS",
  "GTE",
  "GTR",
  "TRIM_UPPER",
  "TRIM_LOWER",
  "EQL_REGEX",
  "NEQ_REGEX",
  "AT",
  "LAND",
  "LOR",
  "LUNLESS",
  "ATAN2",
]);

/** Aggregation operator tokens. */
export const AGGREGATORS = new Set<TokenType>([
  "AVG",
  "BOTTOMK",
  "COUNT",
  "COUNT_VALUES",
  "GROUP",
  "MAX",
  "MIN",
  "QUANTILE",
  "STDDEV",
  "STDVAR",
  "SUM",
  "TOPK",
  "LIMITK",
  "LIMIT_RATIO",
]);

const KEYWORD_TYPES = new Set<TokenType>([
  "BOOL",
  "BY",
  "GROUP_LEFT",
  "GROUP_RIGHT",
  "FILL",
  "FILL_LEFT",
  "FILL_RIGHT",
  "IGNORING",
  "OFFSET",
  "SMOOTHED",
  "ANCHORED",
  "ON",
  "WITHOUT",
]);

const PUNCT: Partial<Record<TokenType, string>> = {
  LEFT_PAREN: "(",
  RIGHT_PAREN: ")",
  LEFT_BRACE: "{",
  RIGHT_BRACE: "}",
  LEFT_BRACKET: "[",
  RIGHT_BRACKET: "]",
  COMMA: ",",
  EQL: "=",
  COLON: ":",
};

/** Prometheus's description of a token in "unexpected ..." messages. */
export function describeToken(t: Token): string {
  switch (t.type) {
    case "EOF":
      return "end of input";
    case "ERROR":
      return t.val;
    case "IDENTIFIER":
      return "identifier " + goQuote(t.val);
    case "METRIC_IDENTIFIER":
      return "metric identifier " + goQuote(t.val);
    case "NUMBER":
      return "number " + shortQuote(t.val);
    case "DURATION":
      return "duration " + shortQuote(t.val);
    case "STRING":
      return "string " + shortQuote(t.val);
    case "COMMENT":
      return "comment " + shortQuote(t.val);
  }
  if (KEYWORD_TYPES.has(t.type)) return `<${t.val}>`;
  if (OPERATORS.has(t.type)) return `<op:${t.val}>`;
  if (AGGREGATORS.has(t.type)) return `<aggr:${t.val}>`;
  const p = PUNCT[t.type];
  if (p !== undefined) return goQuote(p);
  return shortQuote(t.val);
}

function shortQuote(v: string): string {
  return Array.from(v).length > 10 ? goQuoteMax(v, 10) + "..." : goQuote(v);
}
