/** `/api/v1/parse_query`: the AST in the JSON shape of Prometheus's web UI tree view. */
import type {
  AtModifier,
  DurationExpr,
  Expr,
  VectorSelector,
} from "../../engine/promql/parser/mod.ts";
import type { Matcher } from "../../engine/model/mod.ts";
import { formatFloatF } from "../../engine/promql/format_float.ts";

/** Translates an expression to Prometheus's parse_query JSON (field order as Prometheus). */
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
          ? {
            card: m.card,
            labels: m.matchingLabels,
            on: m.on,
            include: m.include,
            fillValues: { lhs: m.fillValues?.lhs ?? null, rhs: m.fillValues?.rhs ?? null },
          }
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
      return {
        type: "matrixSelector",
        name: vs.name,
        range: e.rangeMs,
        rangeExpr: durationJson(e.rangeExpr),
        offset: vs.offsetMs,
        offsetExpr: durationJson(vs.offsetExpr),
        matchers: matchersJson(vs.matchers),
        ...atFields(vs.at),
        anchored: vs.anchored,
        smoothed: vs.smoothed,
      };
    }
    case "SubqueryExpr":
      return {
        type: "subquery",
        expr: astJson(e.expr),
        range: e.rangeMs,
        rangeExpr: durationJson(e.rangeExpr),
        offset: e.offsetMs,
        offsetExpr: durationJson(e.offsetExpr),
        step: e.stepMs,
        stepExpr: durationJson(e.stepExpr),
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
      return vectorSelectorJson(e);
    case "DurationExpr":
      return durationJson(e);
  }
}

function vectorSelectorJson(vs: VectorSelector) {
  return {
    type: "vectorSelector",
    name: vs.name,
    offset: vs.offsetMs,
    offsetExpr: durationJson(vs.offsetExpr),
    matchers: matchersJson(vs.matchers),
    ...atFields(vs.at),
    anchored: vs.anchored,
    smoothed: vs.smoothed,
  };
}

/** A duration expression (`[5m+step()]`); number literals inside it carry `duration`. */
function durationJson(e: Expr | undefined): unknown {
  if (!e) return null;
  if (e.kind === "DurationExpr") {
    const d = e as DurationExpr;
    return {
      type: "durationExpr",
      op: d.op,
      lhs: durationJson(d.lhs),
      rhs: durationJson(d.rhs),
      wrapped: d.wrapped,
    };
  }
  if (e.kind === "NumberLiteral") {
    return { type: "numberLiteral", val: formatFloatF(e.value), duration: e.duration };
  }
  return astJson(e);
}

function matchersJson(ms: readonly Matcher[]) {
  return ms.map((m) => ({ name: m.name, value: m.value, type: m.type }));
}

function atFields(at: AtModifier | undefined) {
  return {
    timestamp: at?.kind === "timestamp" ? at.timestampMs : null,
    startOrEnd: at && at.kind !== "timestamp" ? at.kind : null,
  };
}
