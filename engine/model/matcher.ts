/**
 * Label matchers (`=`, `!=`, `=~`, `!~`) with Prometheus's regex semantics: the pattern is fully
 * anchored and `.` matches newlines, as `^(?s:pattern)$` in RE2.
 */

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
 * leading inline flags `(?i)`/`(?s)`, `(?P<name>`, POSIX classes `[[:alpha:]]`, `\z`, `\Q...\E`.
 */
export function compileAnchoredRegex(pattern: string): RegExp {
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
