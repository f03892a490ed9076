/** `/api/v1/parse_query`: the AST in the JSON shape of Prometheus's web UI tree view. */
import type { AtModifier, Expr, VectorSelector } from "../../engine/promql/parser/mod.ts";
import { formatFloatF } from "../../engine/promql/format_float.ts";

/** Translates an expression to Prometheus's parse_query JSON. */
export function astJson(e: Expr): unknown {
  switch (e.kind) {
    case "AggregateExpr":
      return {
        type: "aggregation",
        op: e.op,
        expr: astJson(e.expr),
        param: e.param ? astJson(e.param) : null,
        grouping: e.grouping,
        without: e.without,
      };
    case "BinaryExpr": {
      const m = e.vectorMatching;
      return {
        type: "binaryExpr",
        op: e.op,
        lhs: astJson(e.lhs),
        rhs: astJson(e.rhs),
        matching: m
          ? { card: m.card, labels: m.matchingLabels, on: m.on, include: m.include }
          : null,
        bool: e.returnBool,
      };
    }
    case "Call":
      return {
        type: "call",
        func: {
          name: e.func.name,
          argTypes: e.func.argTypes,
          variadic: e.func.variadic,
          returnType: e.func.returnType,
        },
        args: e.args.map(astJson),
      };
    case "MatrixSelector": {
      const vs = e.vectorSelector;
      return { type: "matrixSelector", ...selectorFields(vs), range: e.rangeMs };
    }
    case "SubqueryExpr":
      return {
        type: "subquery",
        expr: astJson(e.expr),
        range: e.rangeMs,
        offset: e.offsetMs,
        step: e.stepMs,
        ...atFields(e.at),
      };
    case "NumberLiteral":
      return { type: "numberLiteral", val: formatFloatF(e.value) };
    case "StringLiteral":
      return { type: "stringLiteral", val: e.value };
    case "ParenExpr":
      return { type: "parenExpr", expr: astJson(e.expr) };
    case "UnaryExpr":
      return { type: "unaryExpr", op: e.op, expr: astJson(e.expr) };
    case "VectorSelector":
      return { type: "vectorSelector", ...selectorFields(e) };
    case "DurationExpr":
      return {
        type: "durationExpr",
        op: e.op,
        lhs: e.lhs ? astJson(e.lhs) : null,
        rhs: e.rhs ? astJson(e.rhs) : null,
      };
  }
}

function selectorFields(vs: VectorSelector) {
  return {
    name: vs.name,
    offset: vs.offsetMs,
    matchers: vs.matchers.map((m) => ({ type: m.type, name: m.name, value: m.value })),
    ...atFields(vs.at),
  };
}

function atFields(at: AtModifier | undefined) {
  return {
    timestamp: at?.kind === "timestamp" ? at.timestampMs : null,
    startOrEnd: at && at.kind !== "timestamp" ? at.kind : null,
  };
}
