import { assertEquals } from "../../tests/assert.ts";
import { formatLabelSet, goFloat, goQuote, RateLimitedError } from "./errors.ts";

Deno.test("goFloat() formats like Go's %v", () => {
  assertEquals(goFloat(6666.666666666667), "6666.666666666667");
  assertEquals(goFloat(70000), "70000");
  assertEquals(goFloat(123456), "123456");
  assertEquals(goFloat(1666666), "1.666666e+06");
  assertEquals(goFloat(1e6), "1e+06");
  assertEquals(goFloat(0.0001), "0.0001");
  assertEquals(goFloat(0.00001), "1e-05");
  assertEquals(goFloat(1.5e300), "1.5e+300");
  assertEquals(goFloat(0), "0");
});

Deno.test("goQuote() escapes like strconv.Quote and truncates by runes like %.Nq", () => {
  assertEquals(goQuote('a"b\\c\n'), '"a\\"b\\\\c\\n"');
  assertEquals(goQuote("\x00\x7f"), '"\\x00\\x7f"');
  assertEquals(goQuote("ü€"), '"ü€"');
  assertEquals(goQuote("abcdef", 3), '"abc"');
  assertEquals(goQuote("€€€€", 2), '"€€"');
});

Deno.test("formatLabelSet() prints Cortex's metric{labels} form", () => {
  assertEquals(formatLabelSet([]), "{}");
  assertEquals(formatLabelSet([{ name: "__name__", value: "up" }]), "up");
  assertEquals(
    formatLabelSet([{ name: "__name__", value: "up" }, { name: "job", value: 'a"b' }]),
    'up{job="a\\"b"}',
  );
  assertEquals(formatLabelSet([{ name: "job", value: "x" }]), '{job="x"}');
});

Deno.test("RateLimitedError carries AMP's 429 text", () => {
  const e = new RateLimitedError(6666.666666666667, 499, 0, 1);
  assertEquals(e.status, 429);
  assertEquals(
    e.message,
    "ingestion rate limit (6666.666666666667) exceeded while adding 499 samples and 0 metadata",
  );
});
