/**
 * Parser for promqltest `.test` scripts (FORMAT.md sections 1-5): `load`, `load_with_nhcb`,
 * `clear`, `eval instant|range` with expect lines, the legacy `eval_fail|warn|info|ordered`
 * forms, and the local `ignore`/`resume` extension.
 */
import type { Labels } from "../../engine/model/labels.ts";
import { labelsKey, labelsString } from "../../engine/model/labels.ts";
import {
  goUnquote,
  parseGoNumber,
  parseLabelPart,
  parseSeriesDesc,
  type SequenceValue,
  SeriesDescError,
} from "./series_desc.ts";

/** A `.test` script that does not follow the format. */
export class TestFileError extends SyntaxError {
  override name = "TestFileError";
}

/** `load <interval>`: series keyed by label set (a later line replaces an earlier one). */
export interface LoadCmd {
  kind: "load";
  line: number;
  intervalMs: number;
  withNhcb: boolean;
  series: Map<string, { labels: Labels; values: SequenceValue[] }>;
  /** Metric names that have `@st` start-timestamp lines. */
  startTimestampMetrics: Set<string>;
}

/** `clear`. */
export interface ClearCmd {
  kind: "clear";
  line: number;
}

/** `ignore` / `resume` (local extension). */
export interface IgnoreCmd {
  kind: "ignore" | "resume";
  line: number;
}

/** One `expect <type> [msg:|regex:]` line; `message` is exact, `regex` a search. */
export interface ExpectMatcher {
  message?: string;
  regex?: RegExp;
}

/** An expected series with its 1-based position among the body lines. */
export interface ExpectedSeries {
  labels: Labels;
  values: SequenceValue[];
  pos: number;
}

/** An `eval` command with everything its body expects. */
export interface EvalCmd {
  kind: "eval";
  line: number;
  expr: string;
  isRange: boolean;
  /** Instant: eval time; range: start. ms. */
  startMs: number;
  endMs: number;
  stepMs: number;
  /** Evaluation time of an instant query (moved by `expect range vector`). */
  evalMs: number;
  ordered: boolean;
  fail: boolean;
  warn: boolean;
  info: boolean;
  expectedFailMessage?: string;
  expectedFailRegexp?: RegExp;
  expectFail: ExpectMatcher[];
  expectWarn: ExpectMatcher[];
  expectInfo: ExpectMatcher[];
  noWarn: boolean;
  noInfo: boolean;
  expectOrdered: boolean;
  expectRangeVector: boolean;
  /** Expected string result (`expect string`), "" when none given. */
  expectedString: string;
  excludeFromRangeQuery: boolean;
  /** Set when the body is a bare number. */
  expectScalar?: number;
  /** Expected series keyed by labelsKey. */
  expected: Map<string, ExpectedSeries>;
  /** The eval's lines as written (header and body), for reports. */
  source: string;
}

/** Any command. */
export type TestCmd = LoadCmd | ClearCmd | EvalCmd | IgnoreCmd;

const UNIT_MS: Record<string, number> = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
};
const UNIT_ORDER = ["y", "w", "d", "h", "m", "s", "ms"];

/** Prometheus `model.ParseDuration`: `0` or `<int><unit>` parts in decreasing unit order. */
export function parseDurationMs(s: string): number {
  if (s === "0") return 0;
  if (s === "") throw new TestFileError("empty duration string");
  const re = /(\d+)(ms|y|w|d|h|m|s)/y;
  let total = 0, last = -1, i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) throw new TestFileError(`not a valid duration string: ${JSON.stringify(s)}`);
    const u = UNIT_ORDER.indexOf(m[2]);
    if (u <= last) throw new TestFileError(`not a valid duration string: ${JSON.stringify(s)}`);
    last = u;
    total += Number(m[1]) * UNIT_MS[m[2]];
    i = re.lastIndex;
  }
  return total;
}

const PAT_LOAD = /^load(?:_(with_nhcb))?\s+(.+?)$/;
const PAT_EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const PAT_EVAL_RANGE =
  /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;
const PAT_EXPECT = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;
const PAT_EXPECT_RANGE = /^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$/;

/** Trimmed lines with comments blanked (FORMAT.md section 1). */
function getLines(input: string): string[] {
  return input.split("\n").map((l) => {
    const t = l.trim();
    return t.startsWith("#") ? "" : t;
  });
}

/** Parses a whole script. Throws TestFileError (with a 1-based line) on the first problem. */
export function parseTestFile(input: string): TestCmd[] {
  const lines = getLines(input);
  const cmds: TestCmd[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === "") continue;
    const c = l.split(/[\t ]+/, 1)[0].toLowerCase();
    try {
      if (c === "clear") cmds.push({ kind: "clear", line: i + 1 });
      else if (c === "ignore" || c === "resume") cmds.push({ kind: c, line: i + 1 });
      else if (c.startsWith("load")) {
        const r = parseLoad(lines, i);
        cmds.push(r.cmd);
        i = r.i;
      } else if (c.startsWith("eval")) {
        const r = parseEval(lines, i);
        r.cmd.source = lines.slice(i, r.i + 1).join("\n");
        cmds.push(r.cmd);
        i = r.i;
      } else throw new TestFileError(`invalid command ${JSON.stringify(l)}`);
    } catch (e) {
      if (e instanceof TestFileError && e.message.startsWith("line ")) throw e;
      if (e instanceof TestFileError || e instanceof SeriesDescError) {
        throw new TestFileError(`line ${i + 1}: ${e.message}`);
      }
      throw e;
    }
  }
  return cmds;
}

function parseLoad(lines: string[], i: number): { i: number; cmd: LoadCmd } {
  const m = PAT_LOAD.exec(lines[i]);
  if (!m) throw new TestFileError("invalid load command. (load[_with_nhcb] <step:duration>)");
  const cmd: LoadCmd = {
    kind: "load",
    line: i + 1,
    intervalMs: parseDurationMs(m[2]),
    withNhcb: m[1] === "with_nhcb",
    series: new Map(),
    startTimestampMetrics: new Set(),
  };
  while (i + 1 < lines.length) {
    const def = lines[i + 1];
    if (def === "") break;
    i++;
    const first = def.split(/\s+/, 1)[0];
    if (first.endsWith("@st")) {
      const { labels } = parseLabelPart(first.slice(0, -3), 0);
      for (const l of labels) if (l.name === "__name__") cmd.startTimestampMetrics.add(l.value);
      continue;
    }
    try {
      const d = parseSeriesDesc(def);
      cmd.series.set(labelsKey(d.labels), d);
    } catch (e) {
      if (e instanceof SeriesDescError) throw new TestFileError(`line ${i + 1}: ${e.message}`);
      throw e;
    }
  }
  return { i, cmd };
}

function parseEval(lines: string[], i: number): { i: number; cmd: EvalCmd } {
  const head = lines[i];
  const inst = PAT_EVAL_INSTANT.exec(head);
  const rng = PAT_EVAL_RANGE.exec(head);
  if (!inst && !rng) {
    throw new TestFileError(
      "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered] instant [at <offset:duration>] <query>' or 'eval[_fail|_warn] range from <from> to <to> step <step> <query>'",
    );
  }
  const mod = inst ? inst[1] : rng![1];
  const cmd: EvalCmd = {
    kind: "eval",
    line: i + 1,
    expr: inst ? inst[3] : rng![5],
    isRange: !inst,
    startMs: 0,
    endMs: 0,
    stepMs: 0,
    evalMs: 0,
    ordered: mod === "ordered",
    fail: mod === "fail",
    warn: mod === "warn",
    info: mod === "info",
    expectFail: [],
    expectWarn: [],
    expectInfo: [],
    noWarn: false,
    noInfo: false,
    expectOrdered: false,
    expectRangeVector: false,
    expectedString: "",
    excludeFromRangeQuery: false,
    expected: new Map(),
    source: head,
  };
  if (inst) {
    cmd.startMs = cmd.evalMs = parseDurationMs(inst[2] ?? "");
  } else {
    cmd.startMs = parseDurationMs(rng![2]);
    cmd.endMs = parseDurationMs(rng![3]);
    if (cmd.endMs < cmd.startMs) {
      throw new TestFileError(
        `invalid test definition, end timestamp (${rng![3]}) is before start timestamp (${
          rng![2]
        })`,
      );
    }
    cmd.stepMs = parseDurationMs(rng![4]);
  }
  for (let j = 1; i + 1 < lines.length; j++) {
    const def = lines[i + 1];
    if (def === "") break;
    i++;
    if (cmd.fail && def.startsWith("expected_fail_message")) {
      cmd.expectedFailMessage = def.slice("expected_fail_message".length).trim();
      break;
    }
    if (cmd.fail && def.startsWith("expected_fail_regexp")) {
      cmd.expectedFailRegexp = goRegex(def.slice("expected_fail_regexp".length).trim());
      break;
    }
    if (def.startsWith("expect range vector")) {
      const m = PAT_EXPECT_RANGE.exec(def);
      if (!m) throw new TestFileError(`invalid range vector definition ${JSON.stringify(def)}`);
      cmd.startMs = parseDurationMs(m[1]);
      cmd.endMs = parseDurationMs(m[2]);
      cmd.stepMs = parseDurationMs(m[3]);
      if (cmd.endMs < cmd.startMs) throw new TestFileError("end timestamp is before start");
      cmd.evalMs = cmd.endMs;
      cmd.expectRangeVector = true;
      cmd.excludeFromRangeQuery = true;
      continue;
    }
    if (def.startsWith("expect string")) {
      const lit = def === "expect string" ? "" : def.slice("expect string ".length);
      if (lit === "") {
        throw new TestFileError(
          "expected string literal not valid - a quoted string literal is required",
        );
      }
      cmd.expectedString = goUnquote(lit);
      cmd.excludeFromRangeQuery = true;
      continue;
    }
    if (def.split(" ", 1)[0] === "expect") {
      parseExpect(cmd, def);
      j--;
      continue;
    }
    const num = parseGoNumber(def);
    if (num !== undefined) {
      cmd.expectScalar = num;
      break;
    }
    const d = parseSeriesDesc(def);
    if (d.values.length > 1 && !cmd.isRange && !cmd.expectRangeVector) {
      throw new TestFileError(
        "expecting multiple values in instant evaluation not allowed. consider using 'expect range vector' directive to enable a range vector result for an instant query",
      );
    }
    cmd.expected.set(labelsKey(d.labels), { labels: d.labels, values: d.values, pos: j });
  }
  return { i, cmd };
}

function parseExpect(cmd: EvalCmd, def: string): void {
  const m = PAT_EXPECT.exec(def.trim());
  if (!m) {
    throw new TestFileError(
      "invalid expect statement, must match `expect <type> <match_type>: <string>` format",
    );
  }
  const matcher: ExpectMatcher = m[2] === "msg"
    ? { message: m[3].trim() }
    : m[2] === "regex"
    ? { regex: goRegex(m[3].trim()) }
    : { regex: /^.*$/ };
  switch (m[1]) {
    case "fail":
      cmd.expectFail.push(matcher);
      break;
    case "warn":
      cmd.expectWarn.push(matcher);
      break;
    case "info":
      cmd.expectInfo.push(matcher);
      break;
    case "no_warn":
      cmd.noWarn = true;
      break;
    case "no_info":
      cmd.noInfo = true;
      break;
    case "ordered":
      cmd.expectOrdered = true;
      break;
  }
  if (cmd.expectInfo.length > 0 && cmd.noInfo) {
    throw new TestFileError("invalid expect lines, info and no_info cannot be used together");
  }
  if (cmd.expectWarn.length > 0 && cmd.noWarn) {
    throw new TestFileError("invalid expect lines, warn and no_warn cannot be used together");
  }
  if (cmd.expectFail.length > 1) {
    throw new TestFileError("invalid expect lines, multiple expect fail lines are not allowed");
  }
}

/** Compiles an unanchored RE2 pattern as a JS RegExp (enough for the corpus' patterns). */
export function goRegex(pattern: string): RegExp {
  let src = pattern, flags = "";
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes("i")) flags += "i";
    if (lead[1].includes("s")) flags += "s";
    if (lead[1].includes("m")) flags += "m";
    src = src.slice(lead[0].length);
  }
  try {
    return new RegExp(src.replace(/\(\?P</g, "(?<"), flags);
  } catch (e) {
    throw new TestFileError(`invalid regex ${pattern}: ${(e as Error).message}`);
  }
}

/** True for evals whose result ordering matters. */
export function isOrdered(ev: EvalCmd): boolean {
  return ev.ordered || ev.expectOrdered;
}

/** True for evals that expect an error. */
export function isFail(ev: EvalCmd): boolean {
  return ev.fail || ev.expectFail.length > 0;
}

/** A short description of an expected series for messages. */
export function describeExpected(e: ExpectedSeries): string {
  return `${labelsString(e.labels)} ${e.values.map(formatSequenceValue).join(" ")}`;
}

/** Text form of one sequence value. */
export function formatSequenceValue(v: SequenceValue): string {
  if (v.kind === "omitted") return "_";
  if (v.kind === "histogram") return "{{histogram}}";
  if (v.kind === "stale") return "stale";
  return String(v.v);
}
