import { assertEquals } from "../../tests/assert.ts";
import { compileAnchoredRegex, Matcher, RegexSyntaxError } from "./matcher.ts";

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

Deno.test("compileAnchoredRegex() fails only with RegexSyntaxError on random patterns", () => {
  const alphabet = "ab.|*+?()[]{}^$\\-:,0179xpPsSdDwWzAQEiU<>=!é_ L";
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 4294967296;
  };
  let compiled = 0;
  for (let i = 0; i < 20_000; i++) {
    let s = "";
    for (let n = Math.floor(rnd() * 10); n > 0; n--) {
      s += alphabet[Math.floor(rnd() * alphabet.length)];
    }
    try {
      compileAnchoredRegex(s);
      compiled++;
    } catch (e) {
      if (!(e instanceof RegexSyntaxError)) throw new Error(`${JSON.stringify(s)}: ${e}`);
    }
  }
  if (compiled < 1000) throw new Error(`too few valid patterns: ${compiled}`);
});
