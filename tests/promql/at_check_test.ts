import { assertEquals } from "../assert.ts";
import { atModifierVariants } from "./at_check.ts";

Deno.test("atModifierVariants() pins every selector and subquery without @ to the eval time", () => {
  const v = atModifierVariants("sum(rate(m[5m])) + n", 100_000);
  assertEquals(v.map((x) => x.evalMs), [-1_000_000, 0, 20_000, 100_000, 1_000_000]);
  const text = v[0].expr;
  assertEquals((text.match(/@ 100/g) ?? []).length, 2, text);
});

Deno.test("atModifierVariants() uses -1s, 0, 1s at time 0 and keeps existing @", () => {
  const v = atModifierVariants("m @ 50", 0);
  assertEquals(v.map((x) => x.evalMs), [-1000, 0, 1000]);
  assertEquals((v[0].expr.match(/@/g) ?? []).length, 1, v[0].expr);
});

Deno.test("atModifierVariants() does not descend into subqueries that carry @", () => {
  const v = atModifierVariants("max_over_time(rate(m[1m])[5m:1m] @ 300) + n", 60_000);
  // One @ on the subquery (kept) and one added to n; none inside the subquery.
  assertEquals((v[0].expr.match(/@/g) ?? []).length, 2, v[0].expr);
});

Deno.test("atModifierVariants() skips time-dependent functions and unparsable input", () => {
  assertEquals(atModifierVariants("time() - timestamp(m)", 60_000), []);
  assertEquals(atModifierVariants("predict_linear(m[5m], 60)", 60_000), []);
  assertEquals(atModifierVariants("sum(", 60_000), []);
});
