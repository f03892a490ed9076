import { assertEquals } from "../../tests/assert.ts";
import { compileAnchoredRegex, RegexSyntaxError } from "./matcher.ts";
import { re2SyntaxError } from "./re2_syntax.ts";

Deno.test("re2SyntaxError() reports RE2's errors with Go's wording and fragment", () => {
  const cases: [string, string][] = [
    ["(a", "missing closing ): `(a`"],
    ["a)b", "unexpected ): `a)b`"],
    ["x[a-", "missing closing ]: `[a-`"],
    ["[z-a]", "invalid character class range: `z-a`"],
    ["[[:nope:]]", "invalid character class range: `[:nope:]`"],
    ["*a", "missing argument to repetition operator: `*`"],
    ["(+)", "missing argument to repetition operator: `+`"],
    ["a|?", "missing argument to repetition operator: `?`"],
    ["a**", "invalid nested repetition operator: `**`"],
    ["a+?*", "invalid nested repetition operator: `+?*`"],
    ["a{2}{3}", "invalid nested repetition operator: `{2}{3}`"],
    ["a{1001}", "invalid repeat count: `{1001}`"],
    ["a{3,2}", "invalid repeat count: `{3,2}`"],
    ["\\q", "invalid escape sequence: `\\q`"],
    ["a\\1", "invalid escape sequence: `\\1`"],
    ["\\x4g", "invalid escape sequence: `\\x4g`"],
    ["\\C", "invalid escape sequence: `\\C`"],
    ["\\x{110000}", "invalid escape sequence: `\\x{110000`"],
    ["ab\\", "trailing backslash at end of expression: ``"],
    ["(?x)a", "invalid or unsupported Perl syntax: `(?x`"],
  ];
  for (const [p, want] of cases) assertEquals(re2SyntaxError(p), want, p);
});

Deno.test("re2SyntaxError() accepts what RE2 accepts", () => {
  const ok = [
    "",
    "a|b",
    "(?i)abc",
    "a((?i)b)c",
    "(?i:x)(?-s:y)(?P<n>z)(?<m>w)",
    "[]a]",
    "[^]a-z\\d[:alpha:]\\p{Greek}]",
    "[a-]",
    "\\.\\-\\/\\ \\[\\]",
    "\\x41\\x{1F600}\\012\\0",
    "a*?b+?c??d{2,}?e{1,3}f{0}",
    "{",
    "a{",
    "a{x}",
    "^.*$",
    "\\Qa.b*\\E+",
    "\\A\\bword\\B\\z",
    "\\pL\\PN\\d\\W",
    "((a|b)*|c)+",
    "é+",
  ];
  for (const p of ok) assertEquals(re2SyntaxError(p), undefined, p);
});

Deno.test("compileAnchoredRegex() raises RE2 errors before JS would accept them", () => {
  let msg = "";
  try {
    compileAnchoredRegex("a\\qb");
  } catch (e) {
    if (e instanceof RegexSyntaxError) msg = e.message;
  }
  assertEquals(msg, "error parsing regexp: invalid escape sequence: `\\q`");
  assertEquals(compileAnchoredRegex("a\\.b").test("a.b"), true);
});
