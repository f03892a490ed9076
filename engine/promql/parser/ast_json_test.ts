import { assertEquals } from "../../../tests/assert.ts";
import { astToJson, parseExpr } from "./mod.ts";

Deno.test("astToJson() gives /api/v1/parse_query's JSON with sorted keys", () => {
  assertEquals(
    JSON.stringify(astToJson(parseExpr(`sum by (job) (rate(up{job="a"}[5m] offset 1m)) > bool 1`))),
    JSON.stringify({
      bool: true,
      lhs: {
        expr: {
          args: [{
            anchored: false,
            matchers: [
              { name: "job", type: "=", value: "a" },
              { name: "__name__", type: "=", value: "up" },
            ],
            name: "up",
            offset: 60000,
            offsetExpr: null,
            range: 300000,
            rangeExpr: null,
            smoothed: false,
            startOrEnd: null,
            timestamp: null,
            type: "matrixSelector",
          }],
          func: { argTypes: ["matrix"], name: "rate", returnType: "vector", variadic: 0 },
          type: "call",
        },
        grouping: ["job"],
        op: "sum",
        param: null,
        type: "aggregation",
        without: false,
      },
      matching: null,
      op: ">",
      rhs: { type: "numberLiteral", val: "1" },
      type: "binaryExpr",
    }),
  );
});

Deno.test("astToJson() renders subqueries, @ and duration expressions", () => {
  const j = astToJson(parseExpr("x[1h:step()] @ end()")) as Record<string, unknown>;
  assertEquals(j.type, "subquery");
  assertEquals(j.startOrEnd, "end");
  assertEquals(j.stepExpr, {
    lhs: null,
    op: "step",
    rhs: null,
    type: "durationExpr",
    wrapped: false,
  });
  assertEquals(j.range, 3600000);
  const b = astToJson(parseExpr("a + on(x) fill_left(0) b")) as Record<
    string,
    Record<string, unknown>
  >;
  assertEquals(b.matching, {
    card: "one-to-one",
    fillValues: { lhs: 0, rhs: null },
    include: [],
    labels: ["x"],
    on: true,
  });
});
