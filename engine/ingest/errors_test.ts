import { assertEquals } from "../../tests/assert.ts";
import { formatLabelSet, RateLimitedError } from "./errors.ts";

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
