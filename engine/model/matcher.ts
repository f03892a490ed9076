/**
 * Label matchers (`=`, `!=`, `=~`, `!~`) with Prometheus's regex semantics: the pattern is fully
 * anchored and `.` matches newlines, as `^(?s:pattern)$` in RE2.
 */

import { re2SyntaxError } from "./re2_syntax.ts";

/** The four matcher kinds, spelled as in PromQL. */
export type MatchType = "=" | "!=" | "=~" | "!~";

/** A regex that is not valid RE2/JS syntax. */
export class RegexSyntaxError extends SyntaxError {
  override name = "RegexSyntaxError";
}

/** One label matcher. An absent label matches as the empty string. */
export class Matcher {
  readonly #re: RegExp | undefined;

  constructor(readonly type: MatchType, readonly name: string, readonly value: string) {
    if (type === "=~" || type === "!~") this.#re = compileAnchoredRegex(value);
  }

  /** True when `v` (use "" for an absent label) satisfies the matcher. */
  matches(v: string): boolean {
    switch (this.type) {
      case "=":
        return v === this.value;
      case "!=":
        return v !== this.value;
      case "=~":
        return this.#re!.test(v);
      case "!~":
        return !this.#re!.test(v);
    }
  }

  /** True when the matcher accepts the empty string (so it also matches series without the label). */
  matchesEmpty(): boolean {
    return this.matches("");
  }

  /** PromQL text form, e.g. `job=~"a.*"`. */
  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}

/**
 * Compiles an RE2-style pattern to an anchored JS RegExp. Translates the RE2 forms JS lacks:
 * leading inline flags `(?i)`/`(?s)`, inline flags inside the pattern (`a((?i)b)` becomes the JS
 * modifier group `a((?i:b))`), `(?P<name>`, POSIX classes `[[:alpha:]]`, `\z`, `\A`, `\Q...\E`,
 * RE2's ASCII-only `\s`, octal and `\x{...}` escapes, and Unicode classes `\pL`/`\p{Greek}`
 * (compiled in JS unicode mode).
 */
export function compileAnchoredRegex(pattern: string): RegExp {
  const re2 = re2SyntaxError(pattern);
  if (re2 !== undefined) throw new RegexSyntaxError(`error parsing regexp: ${re2}`);
  let src = pattern;
  let flags = "s";
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes("i")) flags += "i";
    src = src.slice(lead[0].length);
  }
  src = src.replace(
    /\\Q(.*?)(?:\\E|$)/gs,
    (_m, lit: string) => lit.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&"),
  );
  src = src.replace(/\(\?P</g, "(?<");
  src = scopeInlineFlags(src);
  const esc = translateEscapes(src);
  src = esc.src;
  if (esc.unicode) flags += "u";
  src = src.replace(
    /\[:(\^?)(alnum|alpha|ascii|blank|cntrl|digit|graph|lower|print|punct|space|upper|word|xdigit):\]/g,
    (_m, neg: string, cls: string) => (neg ? POSIX_NEGATED : POSIX)[cls],
  );
  try {
    return new RegExp(`^(?:${src})$`, flags);
  } catch (e) {
    throw new RegexSyntaxError(`error parsing regexp: ${(e as Error).message}: \`${pattern}\``);
  }
}

/**
 * Rewrites RE2 inline flag groups `(?flags)` that are not at the start into JS modifier groups
 * `(?flags:...)` closed where the enclosing group closes (RE2 applies them to the rest of it).
 * `U` (ungreedy) has no JS equivalent and is dropped.
 */
function scopeInlineFlags(src: string): string {
  if (!src.includes("(?")) return src;
  let out = "";
  const pending: number[] = [0]; // extra ")" to emit when the group at each depth closes
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "\\") {
      out += src.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (src[i + 1] === "^") out += src[++i];
      if (src[i + 1] === "]") out += src[++i];
      continue;
    }
    if (c === "(") {
      const m = /^\(\?([imsU]*)(?:-([imsU]*))?\)/.exec(src.slice(i));
      if (m && (m[1] || m[2])) {
        const on = m[1].replace(/U/g, "");
        const off = (m[2] ?? "").replace(/U/g, "");
        if (on || off) {
          out += `(?${on}${off ? "-" + off : ""}:`;
          pending[pending.length - 1]++;
        }
        i += m[0].length - 1;
        continue;
      }
      pending.push(0);
      out += c;
      continue;
    }
    if (c === ")") {
      out += ")".repeat(pending.pop() ?? 0);
      if (pending.length === 0) pending.push(0);
      out += c;
      continue;
    }
    out += c;
  }
  return out + ")".repeat(pending.reduce((a, b) => a + b, 0));
}

const GENERAL_CATEGORIES = new Set(
  "L Lu Ll Lt Lm Lo M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po S Sm Sc Sk So Z Zs Zl Zp C Cc Cf Cs Co Cn"
    .split(" "),
);
const JS_SYNTAX = "^$\\.*+?()[]{}|/";

/**
 * Escape-aware rewrite of RE2 escapes whose JS meaning differs. When the pattern uses Unicode
 * classes (`\p`), JS needs unicode mode, which is stricter: identity escapes of non-syntax
 * characters and lone `{`, `}`, `]` are rewritten so they stay literals.
 */
function translateEscapes(src: string): { src: string; unicode: boolean } {
  if (!src.includes("\\") && !/[{}\]]/.test(src)) return { src, unicode: false };
  const unicode = /\\[pP]/.test(src);
  let out = "";
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "\\" && i + 1 < src.length) {
      const n = src[i + 1];
      i++;
      if (n === "s") out += inClass ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]";
      else if (n === "S" && !inClass) out += "[^\\t\\n\\f\\r ]";
      else if (n === "z" && !inClass) out += "(?![\\s\\S])";
      else if (n === "A" && !inClass) out += "(?<![\\s\\S])";
      else if (n === "p" || n === "P") {
        let name: string;
        if (src[i + 1] === "{") {
          const close = src.indexOf("}", i + 2);
          name = src.slice(i + 2, close < 0 ? src.length : close);
          i = close < 0 ? src.length : close;
        } else {
          name = src[i + 1] ?? "";
          i++;
        }
        const neg = name.startsWith("^");
        if (neg) name = name.slice(1);
        const p = (n === "P") !== neg ? "P" : "p";
        out += name === "Any"
          ? (p === "p" ? "[\\s\\S]" : "[^\\s\\S]")
          : `\\${p}{${GENERAL_CATEGORIES.has(name) ? name : "Script=" + name}}`;
      } else if (n >= "0" && n <= "7") {
        let j = i;
        while (j < i + 3 && src[j] >= "0" && src[j] <= "7") j++;
        out += "\\x" + parseInt(src.slice(i, j), 8).toString(16).padStart(2, "0");
        i = j - 1;
      } else if (n === "x" && src[i + 1] === "{") {
        const close = src.indexOf("}", i + 2);
        const cp = parseInt(src.slice(i + 2, close), 16);
        out += cp > 0xffff && unicode ? `\\u{${cp.toString(16)}}` : escapeCodePoint(cp);
        i = close;
      } else if (
        unicode && !/[A-Za-z0-9]/.test(n) && !JS_SYNTAX.includes(n) && !(inClass && n === "-")
      ) {
        out += n; // RE2 identity escape of a character JS unicode mode refuses to escape
      } else out += "\\" + n;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (src[i + 1] === "^") out += src[++i];
      if (src[i + 1] === "]") out += "\\" + src[++i];
      continue;
    }
    if (unicode && (c === "{" || c === "}")) {
      const rep = c === "{" && /^\{[0-9]+(,[0-9]*)?\}/.exec(src.slice(i));
      if (rep) {
        out += rep[0];
        i += rep[0].length - 1;
      } else out += "\\" + c;
      continue;
    }
    if (unicode && c === "]") {
      out += "\\]";
      continue;
    }
    out += c;
  }
  return { src: out, unicode };
}

function escapeCodePoint(cp: number): string {
  if (cp <= 0xffff) return "\\u" + cp.toString(16).padStart(4, "0");
  const s = String.fromCodePoint(cp);
  return "(?:" +
    [...s].map((ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0")).join("") + ")";
}

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-/:-@[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};
const POSIX_NEGATED: Record<string, string> = Object.fromEntries(
  Object.entries(POSIX).map(([k, v]) => [k, `^${v}`]),
);
