/**
 * RE2 (Go regexp/syntax, Perl flags) syntax errors for label-matcher regexes, with Go's wording
 * and offending fragment, e.g. "missing closing ): `(a`". JS accepts patterns RE2 rejects
 * (`\q`, `a**`) and words its errors differently, so matchers check with this first.
 * Conservative: it reports only errors it is sure RE2 raises; anything else is left to the JS
 * compiler.
 */

const PERL_CLASS = "dDsSwW";
const POSIX_NAMES = new Set([
  "alnum",
  "alpha",
  "ascii",
  "blank",
  "cntrl",
  "digit",
  "graph",
  "lower",
  "print",
  "punct",
  "space",
  "upper",
  "word",
  "xdigit",
]);

function isAlnum(c: string): boolean {
  return /^[A-Za-z0-9]$/.test(c);
}
function isHex(c: string): boolean {
  return /^[0-9A-Fa-f]$/.test(c);
}

class Re2Error extends Error {
  constructor(readonly code: string, readonly arg: string) {
    super(`${code}: \`${arg}\``);
  }
}

/** Length of the escape at `s[i]` (a backslash) as RE2's parseEscape reads it; throws Re2Error. */
function escapeLength(s: string, i: number): number {
  if (i + 1 >= s.length) throw new Re2Error("trailing backslash at end of expression", "");
  const c = s[i + 1];
  const bad = (end: number): never => {
    throw new Re2Error("invalid escape sequence", s.slice(i, end));
  };
  if (c.charCodeAt(0) < 0x80 && !isAlnum(c)) return 2;
  if (c >= "0" && c <= "7") {
    // \1-\7 alone would be a backreference, which RE2 does not support; with another octal
    // digit (or after \0) it is an octal escape of up to three digits.
    if (c !== "0" && !(s[i + 2] >= "0" && s[i + 2] <= "7")) bad(i + 2);
    let j = i + 2;
    while (j < i + 4 && s[j] >= "0" && s[j] <= "7") j++;
    return j - i;
  }
  switch (c) {
    case "x": {
      if (i + 2 >= s.length) bad(i + 2);
      if (s[i + 2] === "{") {
        let j = i + 3;
        let n = 0;
        let r = 0;
        for (;;) {
          if (j >= s.length) bad(j);
          const d = s[j++];
          if (d === "}") break;
          if (!isHex(d)) bad(j);
          r = r * 16 + parseInt(d, 16);
          if (r > 0x10ffff) bad(j);
          n++;
        }
        if (n === 0) bad(j);
        return j - i;
      }
      if (!isHex(s[i + 2]) || !isHex(s[i + 3] ?? "")) bad(Math.min(i + 4, s.length));
      return 4;
    }
    case "a":
    case "f":
    case "n":
    case "r":
    case "t":
    case "v":
      return 2;
  }
  const cp = s.codePointAt(i + 1)!;
  return bad(i + 1 + (cp > 0xffff ? 2 : 1));
}

/** Length of a `\p`/`\P` class at `s[i]`; unknown names are left to the JS compiler. */
function unicodeClassLength(s: string, i: number): number {
  if (s[i + 2] === "{") {
    const close = s.indexOf("}", i + 3);
    return close < 0 ? s.length - i : close + 1 - i;
  }
  return s[i + 2] === undefined ? 2 : 3;
}

/** Parses a character class starting at `s[i]` (`[`); returns the index after `]`. */
function classEnd(s: string, i: number): number {
  const whole = s.slice(i);
  let j = i + 1;
  if (s[j] === "^") j++;
  let first = true;
  const classChar = (): number => {
    if (j >= s.length) throw new Re2Error("missing closing ]", whole);
    const start = j;
    if (s[j] === "\\") j += escapeLength(s, j);
    else j += (s.codePointAt(j)! > 0xffff) ? 2 : 1;
    return start;
  };
  while (j >= s.length || s[j] !== "]" || first) {
    first = false;
    if (s.startsWith("[:", j)) {
      const close = s.indexOf(":]", j + 2);
      if (close >= 0) {
        let name = s.slice(j + 2, close);
        if (name.startsWith("^")) name = name.slice(1);
        if (!POSIX_NAMES.has(name)) {
          throw new Re2Error("invalid character class range", s.slice(j, close + 2));
        }
        j = close + 2;
        continue;
      }
    }
    if (s[j] === "\\" && (s[j + 1] === "p" || s[j + 1] === "P")) {
      j += unicodeClassLength(s, j);
      continue;
    }
    if (s[j] === "\\" && s[j + 1] !== undefined && PERL_CLASS.includes(s[j + 1])) {
      j += 2;
      continue;
    }
    const lo = classChar();
    const loText = s.slice(lo, j);
    if (j + 1 < s.length && s[j] === "-" && s[j + 1] !== "]") {
      j++;
      const hi = classChar();
      const a = classValue(loText);
      const b = classValue(s.slice(hi, j));
      if (a !== undefined && b !== undefined && b < a) {
        throw new Re2Error("invalid character class range", s.slice(lo, j));
      }
    }
  }
  return j + 1;
}

/** Code point of a class character (literal or simple escape), undefined when unsure. */
function classValue(t: string): number | undefined {
  if (t[0] !== "\\") return t.codePointAt(0);
  if (t.length === 2 && !isAlnum(t[1])) return t.charCodeAt(1);
  const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
  if (t.length === 2 && simple[t[1]] !== undefined) return simple[t[1]];
  if (t[1] === "x") return parseInt(t.slice(2).replace(/[{}]/g, ""), 16);
  if (t[1] >= "0" && t[1] <= "7") return parseInt(t.slice(1), 8);
  return undefined;
}

/** Parses `{n}`, `{n,}`, `{n,m}` at `s[i]`; undefined when it is not a repeat (then `{` is literal). */
function parseRepeat(s: string, i: number): { min: number; max: number; end: number } | undefined {
  const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(s.slice(i));
  if (!m) return undefined;
  const min = m[1].length > 8 ? Infinity : Number(m[1]);
  let max = min;
  if (m[2] !== undefined) max = m[3] === "" ? -1 : (m[3].length > 8 ? Infinity : Number(m[3]));
  return { min, max, end: i + m[0].length };
}

/**
 * The RE2 syntax error of `pattern` as Go prints it after "error parsing regexp: ", e.g.
 * "missing argument to repetition operator: `*`", or undefined when RE2 would accept it (as far
 * as this checker knows).
 */
export function re2SyntaxError(pattern: string): string | undefined {
  try {
    check(pattern);
    return undefined;
  } catch (e) {
    if (e instanceof Re2Error) return e.message;
    throw e;
  }
}

function check(s: string): void {
  let depth = 0;
  let operand = false; // an expression is on top of the stack (something a repeat can apply to)
  let lastRepeat = -1; // index where the previous token, if it was a repeat operator, began
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    const start = i;
    let repeatEnd = -1;
    switch (c) {
      case "(": {
        if (s[i + 1] === "?") {
          const named = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(s.slice(i));
          if (named) {
            depth++;
            operand = false;
            i += named[0].length;
            break;
          }
          let j = i + 2;
          let sign = 1;
          let sawFlag = false;
          let done = false;
          while (j < s.length && !done) {
            const f = s[j++];
            if ("imsU".includes(f)) sawFlag = true;
            else if (f === "-" && sign > 0) {
              sign = -1;
              sawFlag = false;
            } else if ((f === ":" || f === ")") && (sign > 0 || sawFlag)) {
              if (f === ":") {
                depth++;
                operand = false;
              }
              done = true;
            } else break;
          }
          if (!done) throw new Re2Error("invalid or unsupported Perl syntax", s.slice(i, j));
          i = j;
          break;
        }
        depth++;
        operand = false;
        i++;
        break;
      }
      case "|":
        operand = false;
        i++;
        break;
      case ")":
        if (depth === 0) throw new Re2Error("unexpected )", s);
        depth--;
        operand = true;
        i++;
        break;
      case "[":
        i = classEnd(s, i);
        operand = true;
        break;
      case "*":
      case "+":
      case "?":
      case "{": {
        let end = i + 1;
        if (c === "{") {
          const r = parseRepeat(s, i);
          if (!r) {
            operand = true; // a literal "{"
            i++;
            break;
          }
          end = r.end;
          if (r.min > 1000 || r.max > 1000 || (r.max >= 0 && r.min > r.max)) {
            throw new Re2Error("invalid repeat count", s.slice(i, end));
          }
        }
        if (s[end] === "?") end++;
        if (lastRepeat >= 0) {
          throw new Re2Error("invalid nested repetition operator", s.slice(lastRepeat, end));
        }
        if (!operand) {
          throw new Re2Error("missing argument to repetition operator", s.slice(i, end));
        }
        repeatEnd = end;
        i = end;
        break;
      }
      case "\\": {
        const n = s[i + 1];
        if (n === "Q") {
          const e = s.indexOf("\\E", i + 2);
          i = e < 0 ? s.length : e + 2;
          operand = true;
          break;
        }
        if (n === "C") throw new Re2Error("invalid escape sequence", "\\C");
        if (n !== undefined && "AzbB".includes(n)) i += 2;
        else if (n === "p" || n === "P") i += unicodeClassLength(s, i);
        else if (n !== undefined && PERL_CLASS.includes(n)) i += 2;
        else i += escapeLength(s, i);
        operand = true;
        break;
      }
      default:
        i += (s.codePointAt(i)! > 0xffff) ? 2 : 1;
        operand = true;
    }
    lastRepeat = repeatEnd >= 0 ? start : -1;
  }
  if (depth !== 0) throw new Re2Error("missing closing )", s);
}
