/**
 * JSON form of an AST as returned by Prometheus's `/api/v1/parse_query` (web/api/v1
 * translateAST): the same field names and values, with object keys in sorted order as Go's
 * encoding/json writes maps, so `JSON.stringify(astToJson(e))` matches Prometheus's bytes.
 */

import type { AtModifier, DurationExpr, Expr, VectorSelector } from "./ast.ts";
import type { Matcher } from "../../model/mod.ts";
import { formatFloatF } from "../../model/go_format.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function obj(fields: Record<string, Json>): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const k of Object.keys(fields).sort()) out[k] = fields[k];
  return out;
}

function matchers(ms: readonly Matcher[]): Json {
  return ms.map((m) => obj({ name: m.name, value: m.value, type: m.type }));
}

function timestamp(at: AtModifier | undefined): Json {
  return at?.kind === "timestamp" ? at.timestampMs : null;
}

function startOrEnd(at: AtModifier | undefined): Json {
  return at && at.kind !== "timestamp" ? at.kind : null;
}

function durationJson(e: Expr | undefined): Json {
  if (!e) return null;
  if (e.kind === "DurationExpr") {
    return obj({
      type: "durationExpr",
      op: e.op,
      lhs: durationJson(e.lhs),
      rhs: durationJson(e.rhs),
      wrapped: e.wrapped,
    });
  }
  if (e.kind === "NumberLiteral") {
    return obj({ type: "numberLiteral", val: formatFloatF(e.value), duration: e.duration });
  }
  return astToJson(e);
}

function selectorFields(vs: VectorSelector): Record<string, Json> {
  return {
    name: vs.name,
    offset: vs.offsetMs,
    offsetExpr: durationJson(vs.offsetExpr as DurationExpr | undefined),
    matchers: matchers(vs.matchers),
    timestamp: timestamp(vs.at),
    startOrEnd: startOrEnd(vs.at),
    anchored: vs.anchored,
    smoothed: vs.smoothed,
  };
}

/** The `/api/v1/parse_query` JSON of an expression. */
export function astToJson(e: Expr | undefined): Json {
  if (!e) return null;
  switch (e.kind) {
    case "AggregateExpr":
      return obj({
        type: "aggregation",
        op: e.op,
        expr: astToJson(e.expr),
        param: astToJson(e.param),
        grouping: [...e.grouping],
        without: e.without,
      });
    case "BinaryExpr": {
      const m = e.vectorMatching;
      return obj({
        type: "binaryExpr",
        op: e.op,
        lhs: astToJson(e.lhs),
        rhs: astToJson(e.rhs),
        matching: m
          ? obj({
            card: m.card,
            labels: [...m.matchingLabels],
            on: m.on,
            include: [...m.include],
            fillValues: obj({ lhs: m.fillValues.lhs ?? null, rhs: m.fillValues.rhs ?? null }),
          })
          : null,
        bool: e.returnBool,
      });
    }
    case "Call":
      return obj({
        type: "call",
        func: obj({
          name: e.func.name,
          argTypes: [...e.func.argTypes],
          variadic: e.func.variadic,
          returnType: e.func.returnType,
        }),
        args: e.args.map(astToJson),
      });
    case "MatrixSelector":
      return obj({
        type: "matrixSelector",
        ...selectorFields(e.vectorSelector),
        range: e.rangeMs,
        rangeExpr: durationJson(e.rangeExpr),
      });
    case "SubqueryExpr":
      return obj({
        type: "subquery",
        expr: astToJson(e.expr),
        range: e.rangeMs,
        rangeExpr: durationJson(e.rangeExpr),
        offset: e.offsetMs,
        offsetExpr: durationJson(e.offsetExpr),
        step: e.stepMs,
        stepExpr: durationJson(e.stepExpr),
        timestamp: timestamp(e.at),
        startOrEnd: startOrEnd(e.at),
      });
    case "DurationExpr":
      return durationJson(e);
    case "NumberLiteral":
      return obj({ type: "numberLiteral", val: formatFloatF(e.value) });
    case "ParenExpr":
      return obj({ type: "parenExpr", expr: astToJson(e.expr) });
    case "StringLiteral":
      return obj({ type: "stringLiteral", val: e.value });
    case "UnaryExpr":
      return obj({ type: "unaryExpr", op: e.op, expr: astToJson(e.expr) });
    case "VectorSelector":
      return obj({ type: "vectorSelector", ...selectorFields(e) });
  }
}
