import { assertEquals } from "../../tests/assert.ts";
import { formatFloatF, formatFloatG } from "./format_float.ts";
import { formatG2 } from "./annotations.ts";

Deno.test("formatFloatG() prints like Go's %g", () => {
  assertEquals(formatFloatG(1), "1");
  assertEquals(formatFloatG(0.5), "0.5");
  assertEquals(formatFloatG(1e6), "1e+06");
  assertEquals(formatFloatG(123456), "123456");
  assertEquals(formatFloatG(1234567), "1.234567e+06");
  assertEquals(formatFloatG(0.0001), "0.0001");
  assertEquals(formatFloatG(0.00001), "1e-05");
  assertEquals(formatFloatG(-2.5), "-2.5");
  assertEquals(formatFloatG(NaN), "NaN");
  assertEquals(formatFloatG(Infinity), "+Inf");
});

Deno.test("formatFloatF() never uses an exponent", () => {
  assertEquals(formatFloatF(1e21), "1000000000000000000000");
  assertEquals(formatFloatF(1.5e-7), "0.00000015");
  assertEquals(formatFloatF(-3), "-3");
  assertEquals(formatFloatF(0.1), "0.1");
});

Deno.test("formatG2() prints like Go's %.2g", () => {
  assertEquals(formatG2(1), "1");
  assertEquals(formatG2(0.5), "0.5");
  assertEquals(formatG2(15), "15");
  assertEquals(formatG2(150), "1.5e+02");
  assertEquals(formatG2(0.123), "0.12");
});
