/**
 * PromQL lexer. A state machine with the same states as Prometheus's lexer (statements, inside
 * braces, start of a duration expression) so tokens, error texts and error positions agree.
 * Positions are UTF-16 indices into the input; the parser converts them to byte offsets.
 */

import { goQuote, goQuoteRune, goRuneU } from "../../model/go_format.ts";
import { DURATION_KEYWORDS, KEYWORDS, type Token, type TokenType } from "./tokens.ts";

export type { Token, TokenType } from "./tokens.ts";

/** Internal signal: the lexer produced an error token. */
export class LexError extends Error {
  constructor(readonly pos: number, readonly msg: string) {
    super(msg);
  }
}

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}
function isDigit(c: string): boolean {
  return c >= "0" && c <= "9" && c.length === 1;
}
function isAlpha(c: string): boolean {
  return c === "_" || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
}
function isAlphaNumeric(c: string): boolean {
  return isAlpha(c) || isDigit(c);
}
function isDurationKeywordStart(c: string): boolean {
  const l = c.toLowerCase();
  return l === "s" || l === "r" || l === "m";
}

const HEX = "0123456789abcdefABCDEF";
const DEC = "0123456789";

/** Pull lexer; `next()` returns tokens (comments skipped) and throws LexError on bad input. */
export class Lexer {
  readonly input: string;
  #pos = 0;
  #start = 0;
  #width = 0;
  #parenDepth = 0;
  #braceOpen = false;
  #bracketOpen = false;
  #gotColon = false;
  #gotDuration = false;
  #durState = false;
  #done = false;

  constructor(input: string) {
    this.input = input;
  }

  /** Next non-comment token. */
  next(): Token {
    for (;;) {
      const t = this.#lex();
      if (t.type !== "COMMENT") return t;
    }
  }

  #nextRune(): string {
    if (this.#pos >= this.input.length) {
      this.#width = 0;
      return "";
    }
    const cp = this.input.codePointAt(this.#pos)!;
    const w = cp > 0xffff ? 2 : 1;
    this.#width = w;
    const ch = this.input.slice(this.#pos, this.#pos + w);
    this.#pos += w;
    return ch;
  }
  #backup(): void {
    this.#pos -= this.#width;
  }
  #peek(): string {
    const r = this.#nextRune();
    this.#backup();
    return r;
  }
  #accept(valid: string): boolean {
    const r = this.#nextRune();
    if (r !== "" && valid.includes(r)) return true;
    this.#backup();
    return false;
  }
  #is(valid: string): boolean {
    const r = this.#peek();
    return r !== "" && valid.includes(r);
  }
  #acceptRun(valid: string): void {
    while (this.#accept(valid)) { /* consume */ }
  }
  #emit(type: TokenType): Token {
    const t = {
      type,
      pos: this.#start,
      end: this.#pos,
      val: this.input.slice(this.#start, this.#pos),
    };
    this.#start = this.#pos;
    return t;
  }
  #error(msg: string): never {
    this.#done = true;
    throw new LexError(this.#start, msg);
  }
  #skipSpaces(): void {
    while (isSpace(this.#peek())) this.#nextRune();
    this.#start = this.#pos;
  }

  #lex(): Token {
    if (this.#done) {
      return { type: "EOF", pos: this.input.length, end: this.input.length, val: "" };
    }
    for (;;) {
      if (this.#braceOpen) {
        const t = this.#lexInsideBraces();
        if (t) return t;
        continue;
      }
      if (this.#durState) {
        const t = this.#lexDurationExpr();
        if (t) return t;
        continue;
      }
      const t = this.#lexStatements();
      if (t) return t;
    }
  }

  #lexComment(): Token {
    this.#pos += 1;
    for (;;) {
      const r = this.#nextRune();
      if (r === "" || r === "\n" || r === "\r") break;
    }
    this.#backup();
    return this.#emit("COMMENT");
  }

  #lexStatements(): Token | undefined {
    if (this.input.startsWith("#", this.#pos)) return this.#lexComment();
    const r = this.#nextRune();
    switch (r) {
      case "":
        if (this.#parenDepth !== 0) this.#error("unclosed left parenthesis");
        if (this.#bracketOpen) this.#error("unclosed left bracket");
        this.#done = true;
        return this.#emit("EOF");
      case ",":
        return this.#emit("COMMA");
      case "*":
        return this.#emit("MUL");
      case "/":
        return this.#emit("DIV");
      case "%":
        return this.#emit("MOD");
      case "+":
        return this.#emit("ADD");
      case "-":
        return this.#emit("SUB");
      case "^":
        return this.#emit("POW");
      case "=": {
        const t = this.#peek();
        if (t === "=") {
          this.#nextRune();
          return this.#emit("EQLC");
        }
        if (t === "~") this.#error(`unexpected character after '=': ${goQuoteRune(t)}`);
        return this.#emit("EQL");
      }
      case "!": {
        const t = this.#nextRune();
        if (t !== "=") this.#error(`unexpected character after '!': ${goQuoteRune(t)}`);
        return this.#emit("NEQ");
      }
      case "<": {
        const t = this.#peek();
        if (t === "=") {
          this.#nextRune();
          return this.#emit("LTE");
        }
        if (t === "/") {
          this.#nextRune();
          return this.#emit("TRIM_UPPER");
        }
        return this.#emit("LSS");
      }
      case ">": {
        const t = this.#peek();
        if (t === "=") {
          this.#nextRune();
          return this.#emit("GTE");
        }
        if (t === "/") {
          this.#nextRune();
          return this.#emit("TRIM_LOWER");
        }
        return this.#emit("GTR");
      }
      case '"':
      case "'":
        return this.#lexString(r);
      case "`":
        return this.#lexRawString();
      case "(":
        this.#parenDepth++;
        return this.#emit("LEFT_PAREN");
      case ")": {
        const t = this.#emit("RIGHT_PAREN");
        this.#parenDepth--;
        if (this.#parenDepth < 0) this.#error(`unexpected right parenthesis ${goQuoteRune(r)}`);
        return t;
      }
      case "{":
        this.#braceOpen = true;
        return this.#emit("LEFT_BRACE");
      case "[": {
        if (this.#bracketOpen) this.#error(`unexpected left bracket ${goQuoteRune(r)}`);
        this.#gotColon = false;
        const t = this.#emit("LEFT_BRACKET");
        if (isSpace(this.#peek())) this.#skipSpaces();
        this.#bracketOpen = true;
        this.#durState = true;
        return t;
      }
      case "]":
        if (!this.#bracketOpen) this.#error(`unexpected right bracket ${goQuoteRune(r)}`);
        this.#bracketOpen = false;
        return this.#emit("RIGHT_BRACKET");
      case "@":
        return this.#emit("AT");
    }
    if (isSpace(r)) {
      this.#skipSpaces();
      return undefined;
    }
    if (isDigit(r) || (r === "." && isDigit(this.#peek()))) {
      this.#backup();
      return this.#lexNumberOrDuration();
    }
    if (isAlpha(r) || r === ":") {
      if (!this.#bracketOpen) {
        this.#backup();
        return this.#lexKeywordOrIdentifier();
      }
      if (r === ":") {
        if (this.#gotColon) this.#error(`unexpected colon ${goQuoteRune(r)}`);
        this.#gotColon = true;
        return this.#emit("COLON");
      }
      if (isDurationKeywordStart(r)) {
        const t = this.#scanDurationKeyword();
        if (t) return t;
      }
      this.#error(`unexpected character: ${goQuoteRune(r)}, expected ${goQuoteRune(":")}`);
    }
    this.#error(`unexpected character: ${goQuoteRune(r)}`);
  }

  #lexDurationExpr(): Token | undefined {
    const r = this.#nextRune();
    switch (r) {
      case "":
        this.#error("unexpected end of input in duration expression");
        break;
      case "]":
        this.#bracketOpen = false;
        this.#gotColon = false;
        this.#durState = false;
        return this.#emit("RIGHT_BRACKET");
      case ":": {
        const t = this.#emit("COLON");
        if (!this.#gotDuration) {
          this.#error("unexpected colon before duration in duration expression");
        }
        if (this.#gotColon) this.#error("unexpected repeated colon in duration expression");
        this.#gotColon = true;
        return t;
      }
      case "(":
        this.#parenDepth++;
        return this.#emit("LEFT_PAREN");
      case ")": {
        const t = this.#emit("RIGHT_PAREN");
        this.#parenDepth--;
        if (this.#parenDepth < 0) this.#error(`unexpected right parenthesis ${goQuoteRune(r)}`);
        return t;
      }
      case "+":
        return this.#emit("ADD");
      case "-":
        return this.#emit("SUB");
      case "*":
        return this.#emit("MUL");
      case "/":
        return this.#emit("DIV");
      case "%":
        return this.#emit("MOD");
      case "^":
        return this.#emit("POW");
      case ",":
        return this.#emit("COMMA");
    }
    if (isSpace(r)) {
      this.#skipSpaces();
      return undefined;
    }
    if (isDurationKeywordStart(r)) {
      const t = this.#scanDurationKeyword();
      if (t) return t;
      this.#error(`unexpected character in duration expression: ${goQuoteRune(r)}`);
    }
    if (isDigit(r) || (r === "." && isDigit(this.#peek()))) {
      this.#backup();
      this.#gotDuration = true;
      this.#durState = false;
      return this.#lexNumberOrDuration();
    }
    this.#error(`unexpected character in duration expression: ${goQuoteRune(r)}`);
  }

  #scanDurationKeyword(): Token | undefined {
    for (;;) {
      const r = this.#nextRune();
      if (isAlpha(r)) continue;
      this.#backup();
      const word = this.input.slice(this.#start, this.#pos).toLowerCase();
      const tok = DURATION_KEYWORDS.get(word);
      return tok ? this.#emit(tok) : undefined;
    }
  }

  #lexInsideBraces(): Token | undefined {
    if (this.input.startsWith("#", this.#pos)) return this.#lexComment();
    const r = this.#nextRune();
    switch (r) {
      case "":
        this.#error("unexpected end of input inside braces");
        break;
      case ",":
        return this.#emit("COMMA");
      case '"':
      case "'":
        return this.#lexString(r);
      case "`":
        return this.#lexRawString();
      case "=":
        if (this.#nextRune() === "~") return this.#emit("EQL_REGEX");
        this.#backup();
        return this.#emit("EQL");
      case "!": {
        const nr = this.#nextRune();
        if (nr === "~") return this.#emit("NEQ_REGEX");
        if (nr === "=") return this.#emit("NEQ");
        this.#error(`unexpected character after '!' inside braces: ${goQuoteRune(nr)}`);
        break;
      }
      case "{":
        this.#error(`unexpected left brace ${goQuoteRune(r)}`);
        break;
      case "}":
        this.#braceOpen = false;
        return this.#emit("RIGHT_BRACE");
    }
    if (isSpace(r)) {
      this.#skipSpaces();
      return undefined;
    }
    if (isAlpha(r)) {
      while (isAlphaNumeric(this.#nextRune())) { /* consume */ }
      this.#backup();
      return this.#emit("IDENTIFIER");
    }
    this.#error(`unexpected character inside braces: ${goQuoteRune(r)}`);
  }

  #lexEscape(quote: string): void {
    let ch = this.#nextRune();
    let n: number, base: number, max: number;
    switch (ch) {
      case "a":
      case "b":
      case "f":
      case "n":
      case "r":
      case "t":
      case "v":
      case "\\":
        return;
      case "0":
      case "1":
      case "2":
      case "3":
      case "4":
      case "5":
      case "6":
      case "7":
        n = 3, base = 8, max = 255;
        break;
      case "x":
        ch = this.#nextRune();
        n = 2, base = 16, max = 255;
        break;
      case "u":
        ch = this.#nextRune();
        n = 4, base = 16, max = 0x10ffff;
        break;
      case "U":
        ch = this.#nextRune();
        n = 8, base = 16, max = 0x10ffff;
        break;
      case "":
        this.#error("escape sequence not terminated");
        break;
      default:
        if (ch === quote) return;
        this.#error(`unknown escape sequence ${goRuneU(ch)}`);
    }
    let x = 0;
    for (;;) {
      const d = HEX.includes(ch) && ch !== "" ? parseInt(ch, 16) : 16;
      if (d >= base) {
        if (ch === "") this.#error("escape sequence not terminated");
        this.#error(`illegal character ${goRuneU(ch)} in escape sequence`);
      }
      x = x * base + d;
      n--;
      if (n === 0) break;
      ch = this.#nextRune();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) {
      this.#error("escape sequence is an invalid Unicode code point");
    }
  }

  #lexString(quote: string): Token {
    for (;;) {
      const r = this.#nextRune();
      if (r === "\\") {
        this.#lexEscape(quote);
        continue;
      }
      if (r === "\ufffd" || (r.length === 1 && r >= "\ud800" && r <= "\udfff")) {
        this.#error("invalid UTF-8 rune");
      }
      if (r === "" || r === "\n") this.#error("unterminated quoted string");
      if (r === quote) break;
    }
    return this.#emit("STRING");
  }

  #lexRawString(): Token {
    for (;;) {
      const r = this.#nextRune();
      if (r === "\ufffd" || (r.length === 1 && r >= "\ud800" && r <= "\udfff")) {
        this.#error("invalid UTF-8 rune");
      }
      if (r === "") this.#error("unterminated raw string");
      if (r === "`") break;
    }
    return this.#emit("STRING");
  }

  #lexNumberOrDuration(): Token {
    if (this.#scanNumber()) return this.#emit("NUMBER");
    if (this.#acceptRemainingDuration()) {
      this.#backup();
      return this.#emit("DURATION");
    }
    this.#error(
      `bad number or duration syntax: ${goQuote(this.input.slice(this.#start, this.#pos))}`,
    );
  }

  #acceptRemainingDuration(): boolean {
    if (!this.#accept("smhdwy")) return false;
    this.#accept("s");
    while (this.#accept(DEC)) {
      while (this.#accept(DEC)) { /* consume */ }
      if (!this.#accept("smhdw")) return false;
      this.#accept("s");
    }
    return !isAlphaNumeric(this.#nextRune());
  }

  #scanNumber(): boolean {
    const initial = this.#pos;
    let digits = DEC;
    if (this.#accept("0") && this.#accept("xX")) {
      this.#accept("_");
      digits = HEX;
    }
    this.#accept(".");
    this.#accept(digits);
    let dot = false;
    let exp = false;
    while (this.#is(digits + "._eE")) {
      if (this.#is(".") && dot) {
        this.#accept(".");
        return false;
      }
      if (this.#is("eE") && exp) {
        this.#accept("eE");
        return false;
      }
      if (this.#accept(".")) {
        dot = true;
        if (this.#accept("_.")) return false;
        if (digits.length > 10) return false;
        continue;
      }
      if (this.#accept("eE")) {
        exp = true;
        this.#accept("+-");
        if (this.#accept("._eE") || this.#peek() === "") return false;
        continue;
      }
      if (this.#accept("_")) {
        if (this.#accept("._eE") || this.#peek() === "") return false;
        continue;
      }
      this.#acceptRun(digits);
    }
    if (this.#pos === initial) return false;
    return !isAlphaNumeric(this.#peek());
  }

  #lexKeywordOrIdentifier(): Token {
    for (;;) {
      const r = this.#nextRune();
      if (isAlphaNumeric(r) || r === ":") continue;
      this.#backup();
      break;
    }
    const word = this.input.slice(this.#start, this.#pos);
    const kw = KEYWORDS.get(word.toLowerCase());
    if (kw !== undefined) {
      if (
        (kw === "FILL" || kw === "FILL_LEFT" || kw === "FILL_RIGHT") && !this.#followedByParen()
      ) {
        return this.#emit("IDENTIFIER");
      }
      return this.#emit(kw);
    }
    return this.#emit(word.includes(":") ? "METRIC_IDENTIFIER" : "IDENTIFIER");
  }

  #followedByParen(): boolean {
    for (let i = this.#pos; i < this.input.length; i++) {
      const c = this.input[i];
      if (!isSpace(c)) return c === "(";
    }
    return false;
  }
}
