import { assertEquals } from "../../tests/assert.ts";
import { formatG2 } from "./annotations.ts";

Deno.test("formatG2() prints like Go's %.2g", () => {
  assertEquals(formatG2(1), "1");
  assertEquals(formatG2(0.5), "0.5");
  assertEquals(formatG2(15), "15");
  assertEquals(formatG2(150), "1.5e+02");
  assertEquals(formatG2(0.123), "0.12");
});
