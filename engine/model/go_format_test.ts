import { assertEquals } from "../../tests/assert.ts";
import {
  formatFloatE,
  formatFloatF,
  formatFloatG,
  formatFloatV,
  goQuote,
  goQuoteMax,
} from "./go_format.ts";

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

Deno.test("formatFloatE() always uses Go's exponent form; formatFloatV() switches at 1e21", () => {
  assertEquals(formatFloatE(1e21), "1e+21");
  assertEquals(formatFloatE(4.88e-7), "4.88e-07");
  assertEquals(formatFloatE(-1.5e300), "-1.5e+300");
  assertEquals(formatFloatE(Infinity), "+Inf");
  assertEquals(formatFloatV(1e20), "100000000000000000000");
  assertEquals(formatFloatV(1e21), "1e+21");
  assertEquals(formatFloatV(0.00001), "1e-05");
});

Deno.test("formatFloatG() formats like Go's %v", () => {
  assertEquals(formatFloatG(6666.666666666667), "6666.666666666667");
  assertEquals(formatFloatG(70000), "70000");
  assertEquals(formatFloatG(123456), "123456");
  assertEquals(formatFloatG(1666666), "1.666666e+06");
  assertEquals(formatFloatG(1e6), "1e+06");
  assertEquals(formatFloatG(0.0001), "0.0001");
  assertEquals(formatFloatG(0.00001), "1e-05");
  assertEquals(formatFloatG(1.5e300), "1.5e+300");
  assertEquals(formatFloatG(0), "0");
});

Deno.test("goQuote() escapes like strconv.Quote and goQuoteMax() truncates by runes like %.Nq", () => {
  assertEquals(goQuote('a"b\\c\n'), '"a\\"b\\\\c\\n"');
  assertEquals(goQuote("\x00\x7f"), '"\\x00\\x7f"');
  assertEquals(goQuote("ü€"), '"ü€"');
  assertEquals(goQuoteMax("abcdef", 3), '"abc"');
  assertEquals(goQuoteMax("€€€€", 2), '"€€"');
});
