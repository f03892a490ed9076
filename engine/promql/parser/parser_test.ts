import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { Expr } from "./mod.ts";
import {
  children,
  formatExpr,
  parseExpr,
  parseMetricSelector,
  PromQLParseError,
  walk,
} from "./mod.ts";

/** Structure with explicit grouping, to test precedence independently of the printer. */
function tree(e: Expr): string {
  switch (e.kind) {
    case "BinaryExpr":
      return `(${tree(e.lhs)} ${e.op} ${tree(e.rhs)})`;
    case "UnaryExpr":
      return `(${e.op}${tree(e.expr)})`;
    case "ParenExpr":
      return `[${tree(e.expr)}]`;
    case "NumberLiteral":
      return String(e.value);
    case "Call":
      return `${e.func.name}(${e.args.map(tree).join(",")})`;
    default:
      return formatExpr(e);
  }
}

function parseError(q: string): PromQLParseError {
  try {
    parseExpr(q);
  } catch (e) {
    if (e instanceof PromQLParseError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(q)} not to parse`);
}

Deno.test("parseExpr() decodes number literals the way Go's strconv does", () => {
  const cases: [string, number][] = [
    ["42", 42],
    ["0x1F", 31],
    ["0X_ff", 255],
    ["1_000_000", 1000000],
    ["1e3", 1000],
    ["2.5E-1", 0.25],
    [".5", 0.5],
    ["7.", 7],
    ["010", 8], // leading zero is octal, as in Prometheus
    ["09", 9], // not octal: falls back to float parsing
    ["Inf", Infinity],
    ["+inF", Infinity],
    ["-Inf", -Infinity],
  ];
  for (const [q, v] of cases) {
    const e = parseExpr(q);
    assert(e.kind === "NumberLiteral", q);
    assertEquals(e.value, v, q);
    assertEquals(e.valueType, "scalar");
  }
  const nan = parseExpr("nAn");
  assert(nan.kind === "NumberLiteral" && Number.isNaN(nan.value));
});

Deno.test("parseExpr() reads a bare duration as a number of seconds", () => {
  const e = parseExpr("1h30m");
  assert(e.kind === "NumberLiteral");
  assertEquals(e.value, 5400);
  assertEquals(e.duration, true);
  assertEquals(formatExpr(e), "1h30m");
});

Deno.test("parseExpr() decodes Go escapes in double, single and raw strings", () => {
  const cases: [string, string][] = [
    [`"tab\\there"`, "tab\there"],
    [`'it\\'s'`, "it's"],
    [`"q\\"uote"`, 'q"uote'],
    [`"\\x41\\101\\u00e9\\U0001F600"`, "AAé😀"],
    ["`raw\\n`", "raw\\n"],
    [`"\\a\\b\\f\\v\\r\\n\\\\"`, "\x07\b\f\v\r\n\\"],
  ];
  for (const [q, v] of cases) {
    const e = parseExpr(q);
    assert(e.kind === "StringLiteral", q);
    assertEquals(e.value, v, q);
  }
});

Deno.test("parseExpr() skips comments", () => {
  const e = parseExpr("sum( # the total\n  errors_total # per job\n) # done");
  assertEquals(formatExpr(e), "sum(errors_total)");
});

Deno.test("parseExpr() puts the metric-name matcher after the brace matchers", () => {
  const q = `api_calls{job="api", code=~"5..", path!="/x", env!~"dev|test"}`;
  const e = parseExpr(q);
  assert(e.kind === "VectorSelector");
  assertEquals(e.name, "api_calls");
  assertEquals(
    e.matchers.map((m) => `${m.name}${m.type}${m.value}`),
    ["job=api", "code=~5..", "path!=/x", "env!~dev|test", "__name__=api_calls"],
  );
  assertEquals(e.valueType, "vector");
  assertEquals(e.pos, { start: 0, end: q.length });
});

Deno.test("parseExpr() accepts quoted UTF-8 metric and label names", () => {
  const e = parseExpr(`{"my.metric", "la.bel"="v", other='x',}`);
  assert(e.kind === "VectorSelector");
  assertEquals(e.name, "");
  assertEquals(
    e.matchers.map((m) => `${m.name}${m.type}${m.value}`),
    ["__name__=my.metric", "la.bel=v", "other=x"],
  );
  assertEquals(formatExpr(e), `{"la.bel"="v",__name__="my.metric",other="x"}`);
});

Deno.test("parseExpr() lets keywords name metrics and labels", () => {
  assertEquals(formatExpr(parseExpr(`offset{by="1"}[5m]`)), `offset{by="1"}[5m]`);
  assertEquals(
    formatExpr(parseExpr(`sum by (on, bool, sum) (avg)`)),
    "sum by (on, bool, sum) (avg)",
  );
  assertEquals(formatExpr(parseExpr("step + range")), "step + range");
  const e = parseExpr("min");
  assert(e.kind === "VectorSelector" && e.name === "min");
});

Deno.test("parseExpr() keeps offset and @ of a range selector on the inner selector", () => {
  const e = parseExpr("rate(reqs[5m] @ 100 offset -1h30m)");
  assert(e.kind === "Call");
  const m = e.args[0];
  assert(m.kind === "MatrixSelector");
  assertEquals(m.rangeMs, 300_000);
  assertEquals(m.vectorSelector.offsetMs, -5_400_000);
  assertEquals(m.vectorSelector.at, { kind: "timestamp", timestampMs: 100_000 });
  assertEquals(m.valueType, "matrix");
  assertEquals(formatExpr(e), "rate(reqs[5m] @ 100.000 offset -1h30m)");
});

Deno.test("parseExpr() accepts @ start(), end(), durations and signed numbers", () => {
  const at = (q: string) => {
    const e = parseExpr(q);
    assert(e.kind === "VectorSelector");
    return e.at;
  };
  assertEquals(at("x @ start()"), { kind: "start" });
  assertEquals(at("x @ end()"), { kind: "end" });
  assertEquals(at("x @ 1m"), { kind: "timestamp", timestampMs: 60_000 });
  assertEquals(at("x @ -1.5"), { kind: "timestamp", timestampMs: -1500 });
  assertEquals(at("x @ -0.0005"), { kind: "timestamp", timestampMs: -1 }); // Go rounds half away from zero
  assertEquals(at("x @ 0x10"), { kind: "timestamp", timestampMs: 16_000 });
});

Deno.test("parseExpr() accepts number forms in ranges and offsets", () => {
  const e = parseExpr("x[90] offset 30");
  assert(e.kind === "MatrixSelector");
  assertEquals(e.rangeMs, 90_000);
  assertEquals(e.vectorSelector.offsetMs, 30_000);
  assertEquals(formatExpr(e), "x[1m30s] offset 30s");
});

Deno.test("parseExpr() parses subqueries with and without a step", () => {
  const a = parseExpr("max_over_time(rate(x[1m])[1h:5m] offset 1d)");
  assert(a.kind === "Call");
  const sq = a.args[0];
  assert(sq.kind === "SubqueryExpr");
  assertEquals([sq.rangeMs, sq.stepMs, sq.offsetMs], [3_600_000, 300_000, 86_400_000]);
  assertEquals(sq.valueType, "matrix");
  const b = parseExpr("(a + b)[30m:] @ end()");
  assert(b.kind === "SubqueryExpr");
  assertEquals(b.stepMs, 0);
  assertEquals(b.at, { kind: "end" });
  assertEquals(formatExpr(b), "(a + b)[30m:] @ end()");
});

Deno.test("parseExpr() keeps duration expressions for evaluation time", () => {
  const e = parseExpr("x[5m + step() * 2]");
  assert(e.kind === "MatrixSelector");
  assertEquals(e.rangeMs, 0);
  assert(e.rangeExpr !== undefined);
  assertEquals(e.rangeExpr.op, "+");
  assertEquals(formatExpr(e), "x[5m + step() * 2]");
  const o = parseExpr("x offset -(1m)");
  assert(o.kind === "VectorSelector");
  assert(o.offsetExpr?.op === "-");
  assertEquals(formatExpr(o), "x offset -(1m)");
  assertEquals(
    formatExpr(parseExpr("y[max_of(range(), 5m):min_of(step(), 1m)]")),
    "y[max_of(range(), 5m):min_of(step(), 1m)]",
  );
});

Deno.test("an unparenthesised offset takes a single duration, the rest is a binary operation", () => {
  assertEquals(tree(parseExpr("foo offset 5m - 8")), "(foo offset 5m - 8)");
  assertEquals(tree(parseExpr("foo offset -1m ^ 2")), "(foo offset -1m ^ 2)");
});

Deno.test("binary operators follow Prometheus precedence and associativity", () => {
  const cases: [string, string][] = [
    ["1 + 2 * 3", "(1 + (2 * 3))"],
    ["1 - 2 - 3", "((1 - 2) - 3)"],
    ["2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"],
    ["a or b and c unless d", "(a or ((b and c) unless d))"],
    ["a > b + 1 and c", "((a > (b + 1)) and c)"],
    ["a atan2 b * c", "((a atan2 b) * c)"],
    ["a % b / c", "((a % b) / c)"],
    ["-a ^ 2", "(-(a ^ 2))"],
    ["-a * 2", "((-a) * 2)"],
    ["-2 ^ 2", "(-(2 ^ 2))"],
    ["2 ^ -1", "(2 ^ -1)"],
    ["1 - -1", "(1 - -1)"],
    ["(1 + 2) * 3", "([(1 + 2)] * 3)"],
    ["a == bool b or c", "((a == b) or c)"],
  ];
  for (const [q, want] of cases) assertEquals(tree(parseExpr(q)), want, q);
});

Deno.test("binary expressions get vector matching only between vectors", () => {
  const e = parseExpr("a / on(job, instance) group_left(team) b");
  assert(e.kind === "BinaryExpr");
  assertEquals(e.vectorMatching, {
    card: "many-to-one",
    matchingLabels: ["job", "instance"],
    on: true,
    include: ["team"],
    fillValues: {},
  });
  const s = parseExpr("a * 2");
  assert(s.kind === "BinaryExpr");
  assertEquals(s.vectorMatching, undefined);
  assertEquals(s.valueType, "vector");
  const sc = parseExpr("1 < bool 2");
  assert(sc.kind === "BinaryExpr" && sc.returnBool);
  assertEquals(sc.valueType, "scalar");
  const set = parseExpr("a unless ignoring(x) b");
  assert(set.kind === "BinaryExpr");
  assertEquals(set.vectorMatching?.card, "many-to-many");
});

Deno.test("binary expressions accept fill modifiers in every combination", () => {
  const fills = (q: string) => {
    const e = parseExpr(q);
    assert(e.kind === "BinaryExpr");
    return e.vectorMatching?.fillValues;
  };
  assertEquals(fills("a + fill(0) b"), { lhs: 0, rhs: 0 });
  assertEquals(fills("a + on(x) fill_left(-1) b"), { lhs: -1 });
  assertEquals(fills("a + fill_right(1m) b"), { rhs: 60 });
  assertEquals(fills("a + fill_left(1) fill_right(2) b"), { lhs: 1, rhs: 2 });
  assertEquals(fills("a + fill_right(2) fill_left(1) b"), { lhs: 1, rhs: 2 });
  assertEquals(
    formatExpr(parseExpr("a + fill_right(2) fill_left(1) b")),
    "a + fill_left (1) fill_right (2) b",
  );
  assertEquals(formatExpr(parseExpr("a + fill_left(3) fill_right(3) b")), "a + fill (3) b");
  // Without a following "(", fill is an ordinary metric name.
  assertEquals(tree(parseExpr("a + fill")), "(a + fill)");
});

Deno.test("aggregations accept the grouping clause before or after the body", () => {
  const a = parseExpr("sum by (job) (x)");
  const b = parseExpr("sum(x) by (job)");
  assertEquals(formatExpr(a), "sum by (job) (x)");
  assertEquals(formatExpr(b), "sum by (job) (x)");
  const c = parseExpr("topk without(a,) (5, x)");
  assert(c.kind === "AggregateExpr");
  assertEquals([c.op, c.without, c.grouping], ["topk", true, ["a"]]);
  assert(c.param?.kind === "NumberLiteral");
  assertEquals(formatExpr(parseExpr(`count_values("v", x)`)), `count_values("v", x)`);
  assertEquals(formatExpr(parseExpr("QUANTILE(0.9, x)")), "quantile(0.9, x)");
  assertEquals(
    formatExpr(parseExpr(`limit_ratio(0.5, x) by ("a.b")`)),
    `limit_ratio by ("a.b") (0.5, x)`,
  );
  assertEquals(formatExpr(parseExpr("sum by () (x)")), "sum(x)");
});

Deno.test("calls carry their signature and return type", () => {
  const e = parseExpr(`label_join(x, "dst", ",", "a", "b", "c")`);
  assert(e.kind === "Call");
  assertEquals(e.func.name, "label_join");
  assertEquals(e.valueType, "vector");
  const t = parseExpr("time()");
  assertEquals(t.valueType, "scalar");
  const r = parseExpr("round(x)");
  assert(r.kind === "Call" && r.args.length === 1);
  assertEquals(parseExpr("step()").valueType, "scalar");
  assertEquals(parseExpr(`info(up, {k8s_cluster_name=~".+"})`).valueType, "vector");
});

Deno.test("anchored and smoothed modifiers attach to selectors", () => {
  const e = parseExpr("increase(x[5m] anchored)");
  assert(e.kind === "Call" && e.args[0].kind === "MatrixSelector");
  assert(e.args[0].vectorSelector.anchored);
  assertEquals(formatExpr(e), "increase(x[5m] anchored)");
  const s = parseExpr("x smoothed offset 1m");
  assert(s.kind === "VectorSelector" && s.smoothed);
  assertEquals(formatExpr(s), "x smoothed offset 1m");
});

Deno.test("node positions are byte offsets into the query", () => {
  const e = parseExpr(`sum(rate(http{path="/é"}[5m])) > 1`);
  assert(e.kind === "BinaryExpr");
  // "é" takes bytes 21-22, so everything after it is one byte further than its UTF-16 index.
  assertEquals(e.pos, { start: 0, end: 35 });
  const agg = e.lhs;
  assert(agg.kind === "AggregateExpr");
  assertEquals(agg.pos, { start: 0, end: 31 });
  const call = agg.expr;
  assert(call.kind === "Call");
  assertEquals(call.pos, { start: 4, end: 30 });
  assert(call.args[0].kind === "MatrixSelector");
  assertEquals(call.args[0].pos, { start: 9, end: 29 });
  assertEquals(call.args[0].vectorSelector.pos, { start: 9, end: 25 });
  assertEquals(e.rhs.pos, { start: 34, end: 35 });
});

Deno.test("parse errors use Prometheus's wording and line:column", () => {
  const cases: [string, string][] = [
    ["", "unknown position: parse error: no expression found in input"],
    ["  # nothing", "1:1: parse error: no expression found in input"],
    ["rate(x[5m]) +", "1:14: parse error: unexpected end of input"],
    ["up down", `1:4: parse error: unexpected identifier "down"`],
    ["sum(up down)", `1:8: parse error: unexpected identifier "down" in aggregation`],
    ["rate(up down)", `1:9: parse error: unexpected identifier "down"`],
    [
      "sum(up) by job",
      `1:12: parse error: unexpected identifier "job" in grouping opts, expected "("`,
    ],
    [
      "sum by (a b) (up)",
      `1:11: parse error: unexpected identifier "b" in grouping opts, expected "," or ")"`,
    ],
    ["sum by (5) (up)", `1:9: parse error: unexpected number "5" in grouping opts, expected label`],
    [
      "sum without (without) (up)",
      "1:14: parse error: unexpected <without> in grouping opts, expected label",
    ],
    [
      "up{job}",
      `1:7: parse error: unexpected "}" in label matching, expected label matching operator`,
    ],
    ["up{job=}", `1:8: parse error: unexpected "}" in label matching, expected string`],
    [
      `up{job="a" x="b"}`,
      `1:12: parse error: unexpected identifier "x" in label matching, expected "," or "}"`,
    ],
    ["up{,}", `1:4: parse error: unexpected "," in label matching, expected identifier or "}"`],
    ["up{", "1:4: parse error: unexpected end of input inside braces"],
    ['up{a.b="x"}', "1:5: parse error: unexpected character inside braces: '.'"],
    ["up{a!x}", "1:5: parse error: unexpected character after '!' inside braces: 'x'"],
    ["up{{", "1:4: parse error: unexpected left brace '{'"],
    ["up}", "1:3: parse error: unexpected character: '}'"],
    ["a =~ b", "1:3: parse error: unexpected character after '=': '~'"],
    ["a ! b", "1:3: parse error: unexpected character after '!': ' '"],
    ["(up", "1:4: parse error: unclosed left parenthesis"],
    ["up)", "1:4: parse error: unexpected right parenthesis ')'"],
    ["up]", "1:3: parse error: unexpected right bracket ']'"],
    ["up[5m", "1:6: parse error: unclosed left bracket"],
    ["up[", "1:4: parse error: unexpected end of input in duration expression"],
    ["up[5m[", "1:6: parse error: unexpected left bracket '['"],
    ["up[x]", "1:4: parse error: unexpected character in duration expression: 'x'"],
    ["up[5m y]", "1:7: parse error: unexpected character: 'y', expected ':'"],
    ["up[:5m]", "1:5: parse error: unexpected colon before duration in duration expression"],
    ["up[5m::]", "1:7: parse error: unexpected colon ':'"],
    [
      "up[]",
      `1:4: parse error: unexpected "]" in subquery or range selector, expected number, duration, step(), or range()`,
    ],
    [
      "up[5m 1m]",
      `1:7: parse error: unexpected duration "1m" in subquery or range, expected ":" or "]"`,
    ],
    [
      "up[5m:1m 1m]",
      `1:10: parse error: unexpected duration "1m" in subquery selector, expected "]"`,
    ],
    [
      "up[5m:+]",
      `1:8: parse error: unexpected "]" in subquery selector, expected number, duration, step(), range(), or "]"`,
    ],
    ["up[0s]", "1:4: parse error: duration must be greater than 0"],
    ["up[-5m]", "1:4: parse error: duration must be greater than 0"],
    ["up[1m:0]", "1:7: parse error: duration must be greater than 0"],
    ["up[5mm]", `1:4: parse error: bad number or duration syntax: "5mm"`],
    ["up[1h5h]", `1:4: parse error: not a valid duration string: "1h5h"`],
    ["up[5x]", `1:4: parse error: bad number or duration syntax: "5"`],
    ["up[2d3q]", `1:4: parse error: bad number or duration syntax: "2d3"`],
    ["up[5m/0]", "1:6: parse error: division by zero"],
    ["up[5m%0s]", "1:6: parse error: modulo by zero"],
    [
      "up offset",
      "1:10: parse error: unexpected end of input in offset, expected number, duration, step(), or range()",
    ],
    [
      "up offset x",
      `1:11: parse error: unexpected identifier "x" in offset, expected number, duration, step(), or range()`,
    ],
    ["up @", "1:5: parse error: unexpected end of input in @, expected timestamp"],
    ["up @ x", `1:6: parse error: unexpected identifier "x" in @, expected timestamp`],
    ["up @ Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf"],
    ["up @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times"],
    ["up offset 1m offset 2m", "1:1: parse error: offset may not be set multiple times"],
    ["up offset 1m[5m]", "1:13: parse error: no offset modifiers allowed before range"],
    ["up @ 10 [5m]", "1:9: parse error: no @ modifiers allowed before range"],
    ["sum(up)[5m]", "1:8: parse error: ranges only allowed for vector selectors"],
    [
      "sum(up) offset 1m",
      "1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
    ],
    [
      "time() @ 10",
      "1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
    ],
    ["x[1m:] anchored", "1:1: parse error: anchored modifier is not supported for subqueries"],
    [
      "x smoothed anchored",
      "1:1: parse error: anchored and smoothed modifiers cannot be used together",
    ],
    ["up offset 1e20", "1:11: parse error: duration out of range"],
    [
      "1e999",
      `1:1: parse error: error parsing number: strconv.ParseFloat: parsing "1e999": value out of range`,
    ],
    ["2.5.1", `1:1: parse error: bad number or duration syntax: "2.5."`],
    ["1__0", `1:1: parse error: bad number or duration syntax: "1__"`],
    [`"abc`, "1:1: parse error: unterminated quoted string"],
    ["`abc", "1:1: parse error: unterminated raw string"],
    [`"\\q"`, "1:1: parse error: unknown escape sequence U+0071 'q'"],
    [`"\\x4"`, `1:1: parse error: illegal character U+0022 '"' in escape sequence`],
    [`"\\uD800"`, "1:1: parse error: escape sequence is an invalid Unicode code point"],
    [`'\\"'`, `1:1: parse error: unknown escape sequence U+0022 '"'`],
    ["foo(up)", `1:1: parse error: unknown function with name "foo"`],
    ["rate(up[5m],)", "1:12: parse error: trailing commas not allowed in function call args"],
    ["sum()", "1:1: parse error: no arguments for aggregate expression provided"],
    [
      "topk(up)",
      "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1",
    ],
    [
      "sum(1, up)",
      "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, got 2",
    ],
    ["sum(up) without (a) by (b)", "1:21: parse error: unexpected <by>"],
    ["a + on(x) bool b", "1:11: parse error: unexpected <bool>"],
    ["a * group_left b", "1:5: parse error: unexpected <group_left>"],
    [
      "a * on(x) group_left group_left b",
      `1:22: parse error: unexpected <group_left> in grouping opts, expected "("`,
    ],
    [
      "a * on(x) group_right, b",
      `1:22: parse error: unexpected "," in grouping opts, expected "("`,
    ],
    ["sum(a, b c)", `1:10: parse error: unexpected identifier "c" in aggregation`],
    ["abs(a, @)", "1:6: parse error: trailing commas not allowed in function call args"],
    ["nope(a b)", `1:8: parse error: unexpected identifier "b"`],
    ["*", "1:1: parse error: unexpected <op:*>"],
    [`sum by ("") (x)`, `1:9: parse error: invalid label name for grouping: ""`],
    [`sum by ("a\\xff") (x)`, `1:9: parse error: invalid label name for grouping: "a\\xff"`],
  ];
  for (const [q, want] of cases) assertEquals(parseError(q).message, want, q);
});

Deno.test("type errors use Prometheus's wording", () => {
  const cases: [string, string][] = [
    [
      "rate(up)",
      `1:6: parse error: expected type range vector in call to function "rate", got instant vector`,
    ],
    [
      "abs(up[5m])",
      `1:5: parse error: expected type instant vector in call to function "abs", got range vector`,
    ],
    [
      "vector(up)",
      `1:8: parse error: expected type scalar in call to function "vector", got instant vector`,
    ],
    ["abs()", `1:1: parse error: expected 1 argument(s) in call to "abs", got 0`],
    [
      "round(a, 1, 2)",
      `1:1: parse error: expected at most 2 argument(s) in call to "round", got 3`,
    ],
    [
      "label_join(a)",
      `1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 1`,
    ],
    ["{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"],
    [
      `{a=~".*", b!="x"}`,
      "1:1: parse error: vector selector must contain at least one non-empty matcher",
    ],
    [`up{__name__="down"}`, `1:1: parse error: metric name must not be set twice: "up" or "down"`],
    ["1 > 2", "1:3: parse error: comparisons between scalars must use BOOL modifier"],
    ["a + bool b", "1:3: parse error: bool modifier can only be used on comparison operators"],
    ["1 and a", `1:1: parse error: set operator "and" not allowed in binary scalar expression`],
    ["a or on(x) group_left b", `1:1: parse error: no grouping allowed for "or" operation`],
    ["a + on(x) 1", "1:1: parse error: vector matching only allowed between instant vectors"],
    [
      "a + fill(1) 1",
      "1:1: parse error: filling in missing series only allowed between instant vectors",
    ],
    [
      "a and fill(1) b",
      "1:1: parse error: filling in missing series not allowed for set operators",
    ],
    [
      "a + on(x) group_left(x) b",
      `1:3: parse error: label "x" must not occur in ON and GROUP clause at once`,
    ],
    [
      "a[5m] + 1",
      "1:1: parse error: binary expression must contain only scalar and instant vector types",
    ],
    [
      `-"s"`,
      `1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string"`,
    ],
    [
      "-a[1m]",
      `1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"`,
    ],
    [
      "a[5m][1h:]",
      "1:1: parse error: subquery is only allowed on instant vector, got matrix instead",
    ],
    [
      "sum(a[5m])",
      "1:5: parse error: expected type instant vector in aggregation expression, got range vector",
    ],
    [`topk("5", a)`, "1:6: parse error: expected type scalar in aggregation parameter, got string"],
    [
      "count_values(5, a)",
      "1:14: parse error: expected type string in aggregation parameter, got scalar",
    ],
    [
      `info(a, b{c="d"})`,
      "1:9: parse error: expected label selectors only, got vector selector instead",
    ],
    ["info(a, a + a)", "1:9: parse error: expected label selectors only"],
  ];
  for (const [q, want] of cases) assertEquals(parseError(q).message, want, q);
});

Deno.test("parse error positions count bytes and lines", () => {
  // "é" is two bytes; the error sits just after the stray ")" (byte 8), so column 9.
  assertEquals(parseError(`"é" + )`).message, "1:9: parse error: unexpected right parenthesis ')'");
  assertEquals(parseError("é").message, "1:1: parse error: unexpected character: 'é'");
  const e = parseError('sum(\n  rate(x{a="é"}[5m]) +\n)');
  assertEquals(e.message, `3:1: parse error: unexpected ")" in aggregation`);
  assertEquals(e.pos.start, 29);
});

Deno.test("parseExpr() rejects disabled experimental features", () => {
  const off = {
    experimentalFunctions: false,
    durationExpressions: false,
    extendedRangeSelectors: false,
    binopFillModifiers: false,
  };
  const msg = (q: string) => {
    try {
      parseExpr(q, off);
    } catch (e) {
      if (e instanceof PromQLParseError) return e.message;
      throw e;
    }
    return "parsed";
  };
  assertEquals(
    msg("mad_over_time(x[5m])"),
    `1:1: parse error: function "mad_over_time" is not enabled`,
  );
  assertEquals(
    msg("limitk(1, x)"),
    "1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions",
  );
  assertEquals(
    msg("x[5m+1m]"),
    "1:3: parse error: experimental duration expression is not enabled",
  );
  assertEquals(
    msg("x anchored"),
    "1:1: parse error: anchored modifier is experimental and not enabled",
  );
  assertEquals(
    msg("a + fill(0) b"),
    "1:1: parse error: binop fill modifiers are experimental and not enabled",
  );
  assertEquals(msg("rate(x[5m])"), "parsed");
});

Deno.test("PromQLParseError is a SyntaxError with every error listed", () => {
  const e = parseError("up offset 1m offset 2m offset 3m");
  assert(e instanceof SyntaxError);
  assertEquals(e.name, "PromQLParseError");
  assertEquals(e.errors.length, 2);
  assertEquals(e.errors[0].err, "offset may not be set multiple times");
  assertThrows(() => parseExpr(")"), PromQLParseError);
});

Deno.test("parseExpr() reports absurd nesting as a parse error", () => {
  const deep = "(".repeat(5000) + "1" + ")".repeat(5000);
  const e = parseError(deep);
  assert(e.message.includes("nesting"), e.message);
  const ok = "(".repeat(200) + "1" + ")".repeat(200);
  assertEquals(parseExpr(ok).valueType, "scalar");
});

Deno.test("long operator chains parse, type-check and print without deep recursion", () => {
  const q = "x" + " + x".repeat(20_000);
  assertEquals(formatExpr(parseExpr(q)), q);
  // Every empty selector of a long chain is reported, in source order, as Prometheus does.
  const bad = "(" + "-{}-1".repeat(2000) + ")" + "[1m:]".repeat(100);
  const e = parseError(bad);
  assertEquals(e.errors.length, 2000 + 99);
  assertEquals(e.errors[0], {
    pos: { start: 2, end: 4 },
    err: "vector selector must contain at least one non-empty matcher",
  });
  assertEquals(
    e.errors[2000].err,
    "subquery is only allowed on instant vector, got matrix instead",
  );
});

Deno.test("parseMetricSelector() parses match[] selectors without type checks", () => {
  const ms = parseMetricSelector(`up{job=~".*"}`);
  assertEquals(ms.map((m) => `${m.name}${m.type}${m.value}`), ["job=~.*", "__name__=up"]);
  assertEquals(parseMetricSelector(`{a=""}`).length, 1);
  assertEquals(parseMetricSelector(`{"my.metric"}`)[0].value, "my.metric");
  const msg = (q: string) => {
    try {
      parseMetricSelector(q);
    } catch (e) {
      if (e instanceof PromQLParseError) return e.message;
      throw e;
    }
    return "parsed";
  };
  assertEquals(msg("up offset 5m"), "1:4: parse error: unexpected <offset>");
  assertEquals(msg("rate(up)"), `1:5: parse error: unexpected "("`);
  assertEquals(msg("1"), `1:1: parse error: unexpected number "1"`);
  assertEquals(msg("up{"), "1:4: parse error: unexpected end of input inside braces");
});

Deno.test("children() and walk() visit operands in source order", () => {
  const e = parseExpr("topk(2, rate(a[5m]) + on(x) b) or -c");
  const seen: string[] = [];
  walk(e, (n) => {
    seen.push(n.kind === "VectorSelector" ? n.name : n.kind);
  });
  assertEquals(seen, [
    "BinaryExpr",
    "AggregateExpr",
    "NumberLiteral",
    "BinaryExpr",
    "Call",
    "MatrixSelector",
    "a",
    "b",
    "UnaryExpr",
    "c",
  ]);
  assertEquals(children(e).length, 2);
  const skipped: string[] = [];
  walk(e, (n) => {
    skipped.push(n.kind);
    return n.kind !== "AggregateExpr";
  });
  assertEquals(skipped, ["BinaryExpr", "AggregateExpr", "UnaryExpr", "VectorSelector"]);
});
