import { assertEquals } from "../../../tests/assert.ts";
import { formatFloatF, formatFloatV, goQuote, goQuoteRune } from "../../model/go_format.ts";
import { decodeNumber, formatDurationMs, parseDurationMs, unquoteString } from "./literals.ts";

Deno.test("parseDurationMs() follows model.ParseDuration", () => {
  assertEquals(parseDurationMs("0"), { ok: true, value: 0 });
  assertEquals(parseDurationMs("1y2w3d4h5m6s7ms"), {
    ok: true,
    value: ((((365 + 14 + 3) * 24 + 4) * 60 + 5) * 60 + 6) * 1000 + 7,
  });
  assertEquals(parseDurationMs("90s"), { ok: true, value: 90_000 });
  assertEquals(parseDurationMs(""), { ok: false, err: "empty duration string" });
  assertEquals(parseDurationMs("5m1h"), { ok: false, err: `not a valid duration string: "5m1h"` });
  assertEquals(parseDurationMs("1.5h"), { ok: false, err: `unknown unit "." in duration "1.5h"` });
  assertEquals(parseDurationMs("3ss"), { ok: false, err: `unknown unit "ss" in duration "3ss"` });
  assertEquals(parseDurationMs("300y"), { ok: false, err: "duration out of range" });
});

Deno.test("formatDurationMs() follows model.Duration.String", () => {
  assertEquals(formatDurationMs(0), "0s");
  assertEquals(formatDurationMs(5_400_000), "1h30m");
  assertEquals(formatDurationMs(90 * 86_400_000), "90d");
  assertEquals(formatDurationMs(14 * 86_400_000), "2w");
  assertEquals(formatDurationMs(366 * 86_400_000), "366d");
  assertEquals(formatDurationMs(365 * 86_400_000), "1y");
  assertEquals(formatDurationMs(1500), "1s500ms");
});

Deno.test("decodeNumber() follows ParseInt(s, 0, 64) then ParseFloat", () => {
  assertEquals(decodeNumber("017"), { ok: true, value: 15 });
  assertEquals(decodeNumber("0x_1f"), { ok: true, value: 31 });
  assertEquals(decodeNumber("1_5.2_5"), { ok: true, value: 15.25 });
  assertEquals(decodeNumber("9223372036854775808"), { ok: true, value: 9223372036854775808 });
  assertEquals(decodeNumber("1e400"), {
    ok: false,
    err: `error parsing number: strconv.ParseFloat: parsing "1e400": value out of range`,
  });
  assertEquals(decodeNumber(".5.5").ok, false);
});

Deno.test("unquoteString() decodes escapes into UTF-8 text", () => {
  assertEquals(unquoteString(`"a\\tb"`), "a\tb");
  assertEquals(unquoteString(`'\\''`), "'");
  assertEquals(unquoteString(`"\\303\\251"`), "é");
  assertEquals(unquoteString(`"\\xc3\\xa9"`), "é");
  assertEquals(unquoteString("`a\\tb`"), "a\\tb");
  // Invalid UTF-8 bytes survive as lone surrogates and print back as Go would print them.
  const bad = unquoteString(`"a\\xc5z\\377"`);
  assertEquals(bad, "a\udcc5z\udcff");
  assertEquals(bad.isWellFormed(), false);
  assertEquals(goQuote(bad), `"a\\xc5z\\xff"`);
});

Deno.test("Go formatting helpers match fmt and strconv", () => {
  assertEquals(goQuote('a"b\\c\n\u0001é'), `"a\\"b\\\\c\\n\\x01é"`);
  assertEquals(goQuoteRune("'"), "'\\''");
  assertEquals(goQuoteRune("}"), "'}'");
  assertEquals(formatFloatF(1e21), "1000000000000000000000");
  assertEquals(formatFloatF(-0.000123), "-0.000123");
  assertEquals(formatFloatF(Infinity), "+Inf");
  assertEquals(formatFloatV(1e21), "1e+21");
  assertEquals(formatFloatV(0.00001), "1e-05");
  assertEquals(formatFloatV(0.0001), "0.0001");
  assertEquals(formatFloatV(123456), "123456");
});
