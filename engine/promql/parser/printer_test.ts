import { assertEquals } from "../../../tests/assert.ts";
import { formatExpr, parseExpr, prettifyExpr } from "./mod.ts";

Deno.test("formatExpr() prints Prometheus's canonical form", () => {
  const cases: [string, string][] = [
    [`http_total{code="200",job="api"}`, `http_total{code="200",job="api"}`],
    [`http_total{job="api", code="200"}`, `http_total{code="200",job="api"}`],
    [`{__name__="up", job="a"}`, `{__name__="up",job="a"}`],
    [`up{job='a\\'b', x="\\u00e9\\n"}`, `up{job="a'b",x="é\\n"}`],
    ["sum by(job)(x)", "sum by (job) (x)"],
    ["sum without()(x)", "sum without () (x)"],
    ["avg(x) by (a,b)", "avg by (a, b) (x)"],
    [`sum by ("a.b", c) (x)`, `sum by ("a.b", c) (x)`],
    ["a+on(x,y)group_right(z)b", "a + on (x, y) group_right (z) b"],
    ["a - ignoring(x) b", "a - ignoring (x) b"],
    ["a * on() b", "a * on () b"],
    ["a / ignoring() b", "a / b"],
    ["a > bool on(x) b", "a > bool on (x) b"],
    ["a + on(x) group_left b", "a + on (x) group_left () b"],
    ["a + fill(-1.5) b", "a + fill (-1.5) b"],
    ["a + fill_left(1e30) b", "a + fill_left (1e+30) b"],
    ["a and b", "a and b"],
    ["a atan2 b", "a atan2 b"],
    ["x </ 1", "x </ 1"],
    ["1e3", "1000"],
    ["1e-7", "0.0000001"],
    ["0x10", "16"],
    ["+5", "5"],
    ["- 5", "-5"],
    ["-(5)", "-(5)"],
    ["Inf", "+Inf"],
    ["-inf", "-Inf"],
    ["NaN", "NaN"],
    ["90m", "1h30m"],
    ["7d", "1w"],
    ["365d", "1y"],
    ["1000ms", "1s"],
    ["x[120s]", "x[2m]"],
    ["x[1h:5m] offset 1w", "x[1h:5m] offset 1w"],
    ["x offset -1m @ 100", "x @ 100.000 offset -1m"],
    ["x @ 1.2345", "x @ 1.235"],
    ["x[5m] @ end() offset 1m", "x[5m] @ end() offset 1m"],
    ["x[5m] offset 1m @ start()", "x[5m] @ start() offset 1m"],
    ["x[5m] smoothed", "x[5m] smoothed"],
    ["x[5m+2m]", "x[5m + 2m]"],
    ["x[(5m)]", "x[(5m)]"],
    ["x[-(-5m)]", "x[-(-5m)]"],
    ["x[2*1h:step()] offset (1m)", "x[2 * 1h:step()] offset (1m)"],
    ["x offset -max_of(1m, range())", "x offset -max_of(1m, range())"],
    ["x offset 0s", "x"],
    [`count_values("v", x)`, `count_values("v", x)`],
    [`label_replace(x, "a", "$1", "b", "(.*)")`, `label_replace(x, "a", "$1", "b", "(.*)")`],
    ["rate(x[5m])[30m:1m]", "rate(x[5m])[30m:1m]"],
    ["time()", "time()"],
    ["-sum(x)", "-sum(x)"],
  ];
  for (const [q, want] of cases) assertEquals(formatExpr(parseExpr(q)), want, q);
});

Deno.test("printed expressions parse back to the same text", () => {
  const queries = [
    `sum by (job) (rate(http_requests_total{code=~"5..",job!="x"}[5m] offset 1h)) / ignoring (code) group_left sum(x)`,
    `histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m:30s] @ start())))`,
    `topk(3, -(a ^ -b) % 2) or on () vector(1)`,
    `1 - -1 + (2 * 3) ^ 2 ^ -1`,
    `x > bool 2 unless y < 5`,
    `limitk(2, x) by ("a.b")`,
    `{"my.metric", "la.bel"="v"} offset -5m`,
    `a + on (x) fill_left (1) fill_right (2) b`,
    `x[step() * 2:range() / 4] offset min_of(5m, step())`,
    `"string\\twith\\"escapes\\u00e9"`,
  ];
  for (const q of queries) {
    const once = formatExpr(parseExpr(q));
    assertEquals(formatExpr(parseExpr(once)), once, q);
  }
});

Deno.test("prettifyExpr() splits long nodes like Prometheus's prettier", () => {
  const q =
    `sum by (job, instance) (rate(http_requests_total{job="api-server", handler=~"/api/.*", code=~"5.."}[5m])) / sum by (job, instance) (rate(http_requests_total{job="api-server"}[5m])) > 0.05`;
  assertEquals(
    prettifyExpr(parseExpr(q)),
    [
      "    sum by (job, instance) (",
      `      rate(http_requests_total{code=~"5..",handler=~"/api/.*",job="api-server"}[5m])`,
      "    )",
      "  /",
      `    sum by (job, instance) (rate(http_requests_total{job="api-server"}[5m]))`,
      ">",
      "  0.05",
    ].join("\n"),
  );
  assertEquals(prettifyExpr(parseExpr("rate(x[5m])")), "rate(x[5m])");
  assertEquals(
    prettifyExpr(parseExpr("sum(a) + sum(b)"), { lineBytesMax: 10 }),
    "  sum(a)\n+\n  sum(b)",
  );
  assertEquals(
    prettifyExpr(parseExpr("-histogram_quantile(0.9, rate(x[1m]))"), { lineBytesMax: 10 }),
    "-histogram_quantile(\n  0.9,\n  rate(\n    x[1m]\n  )\n)",
  );
});
