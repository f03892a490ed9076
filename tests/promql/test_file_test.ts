import { assert, assertEquals, assertThrows } from "../assert.ts";
import { type EvalCmd, parseDurationMs, parseTestFile, TestFileError } from "./test_file.ts";

Deno.test("parseDurationMs() accepts Prometheus durations and rejects bad ones", () => {
  assertEquals(parseDurationMs("0"), 0);
  assertEquals(parseDurationMs("1h30m"), 5_400_000);
  assertEquals(parseDurationMs("10s53ms"), 10_053);
  assertEquals(parseDurationMs("1y"), 365 * 86_400_000);
  assertThrows(() => parseDurationMs(""), TestFileError);
  assertThrows(() => parseDurationMs("1m1h"), TestFileError);
  assertThrows(() => parseDurationMs("1.5m"), TestFileError);
});

const SCRIPT = `
# comment
load 1m
  m{a="1"} 0+1x3
  m{a="1"} 5 6
  n 1

eval instant at 1m m
  expect no_warn
  m{a="1"} 6

eval range from 0 to 2m step 1m sum(m)
  {} 5 6 _

eval_fail instant at 0 foo(
  expected_fail_message 1:5: parse error: unexpected end of input

eval instant at 0 1
  expect info msg: PromQL info: x
  expect warn regex: (?i)WARN
  1

eval instant at 1m m[1m]
  expect range vector from 0 to 1m step 1m
  m{a="1"} 5 6

eval instant at 0 "x"
  expect string " Foo "

clear
ignore
eval_ordered instant at 0 sort(n)
  expect fail

resume
`;

Deno.test("parseTestFile() reads load, eval, clear and the legacy forms", () => {
  const cmds = parseTestFile(SCRIPT);
  assertEquals(cmds.map((c) => c.kind), [
    "load",
    "eval",
    "eval",
    "eval",
    "eval",
    "eval",
    "eval",
    "clear",
    "ignore",
    "eval",
    "resume",
  ]);
  const load = cmds[0];
  assert(load.kind === "load");
  assertEquals(load.intervalMs, 60_000);
  assertEquals(load.series.size, 2, "the later m{a=1} replaces the earlier");
  const [e1, e2, e3, e4, e5, e6] = cmds.slice(1, 7) as EvalCmd[];
  assertEquals(e1.evalMs, 60_000);
  assert(e1.noWarn);
  assertEquals([...e1.expected.values()][0].pos, 1);
  assert(e2.isRange && e2.stepMs === 60_000 && e2.endMs === 120_000);
  assert(e3.fail && e3.expectedFailMessage === "1:5: parse error: unexpected end of input");
  assertEquals(e4.expectScalar, 1);
  assertEquals(e4.expectInfo[0].message, "PromQL info: x");
  assert(e4.expectWarn[0].regex!.test("a warning"));
  assert(e5.expectRangeVector && e5.evalMs === 60_000 && e5.excludeFromRangeQuery);
  assertEquals(e6.expectedString, " Foo ");
  const last = cmds[9] as EvalCmd;
  assert(last.ordered && last.expectFail.length === 1);
});

Deno.test("parseTestFile() rejects multi-value expectations of instant queries", () => {
  assertThrows(() => parseTestFile("eval instant at 0 m\n  m 1 2\n"), TestFileError, "line 1");
});

Deno.test("parseTestFile() rejects warn with no_warn and unknown commands", () => {
  assertThrows(
    () => parseTestFile("eval instant at 0 m\n  expect warn\n  expect no_warn\n"),
    TestFileError,
    "warn and no_warn",
  );
  assertThrows(() => parseTestFile("bogus 1"), TestFileError, "invalid command");
  assertThrows(
    () => parseTestFile("eval range from 2m to 1m step 1m m\n"),
    TestFileError,
    "before start",
  );
});

Deno.test("parseTestFile() counts expect range vector lines as positions but not expect lines", () => {
  const [ev] = parseTestFile(
    'eval instant at 0 m\n  expect ordered\n  m{a="x"} 1\n  m{a="y"} 2\n',
  ) as EvalCmd[];
  assertEquals([...ev.expected.values()].map((e) => e.pos), [1, 2]);
});

Deno.test("parseTestFile() records @st metrics and skips their lines", () => {
  const [load] = parseTestFile("load 1m\n  m@st _ -1mx1\n  m 1 2\n");
  assert(load.kind === "load");
  assertEquals([...load.startTimestampMetrics], ["m"]);
  assertEquals(load.series.size, 1);
});
