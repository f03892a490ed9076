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
 * modifier group `a((?i:b))`), `(?P<name>`, POSIX classes `[[:alpha:]]`, `\z`, `\Q...\E`.
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
  src = src.replace(/\\z/g, "(?![\\s\\S])");
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
