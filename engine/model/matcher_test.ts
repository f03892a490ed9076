import { assertEquals } from "../../tests/assert.ts";
import { compileAnchoredRegex, Matcher } from "./matcher.ts";

function matches(pattern: string, s: string): boolean {
  return compileAnchoredRegex(pattern).test(s);
}

Deno.test("compileAnchoredRegex() anchors the pattern and lets . match newlines", () => {
  assertEquals(matches("a.c", "a\nc"), true);
  assertEquals(matches("b", "abc"), false);
  assertEquals(matches("a|b", "a"), true);
});

Deno.test("compileAnchoredRegex() gives RE2's meaning to escapes JS reads differently", () => {
  assertEquals(matches("a\\sb", "a b"), true);
  assertEquals(matches("a\\sb", "a\u00a0b"), false); // RE2 \s is ASCII whitespace only
  assertEquals(matches("\\S+", "x\u00a0"), true);
  assertEquals(matches("[^\\s]+", "ab"), true);
  assertEquals(matches("\\101\\x{42}", "AB"), true);
  assertEquals(matches("\\Aab\\z", "ab"), true);
  assertEquals(matches("[]a]+", "]a"), true);
  assertEquals(matches("a\\-b\\/c", "a-b/c"), true);
});

Deno.test("compileAnchoredRegex() supports Unicode classes", () => {
  assertEquals(matches("\\pL+", "héllo"), true);
  assertEquals(matches("\\p{Lu}\\PL", "A1"), true);
  assertEquals(matches("\\p{Greek}+", "αβγ"), true);
  assertEquals(matches("\\p{Greek}+", "abc"), false);
  assertEquals(matches("\\pN{2}-\\d", "12-3"), true);
  assertEquals(matches("\\pL\\-x{", "a-x{"), true);
  assertEquals(matches("(?i)\\pL+é", "AÉ"), true);
});

Deno.test("Matcher applies regexes to the whole value", () => {
  const m = new Matcher("=~", "job", "api.*");
  assertEquals(m.matches("api-server"), true);
  assertEquals(m.matches("my-api"), false);
  assertEquals(new Matcher("!~", "job", "").matchesEmpty(), false);
});
