/**
 * Canonical PromQL printer. `formatExpr` gives the one-line form of Prometheus's `String()`;
 * `prettifyExpr` gives the multi-line form of `parser.Prettify` (used by `/api/v1/format_query`),
 * which splits nodes longer than 100 bytes and indents by two spaces per level.
 */

import type { AggregateExpr, BinaryExpr, DurationExpr, Expr, VectorSelector } from "./ast.ts";
import type { Matcher } from "../../model/mod.ts";
import { formatFloatF, formatFloatV, goQuote } from "../../model/go_format.ts";
import { formatDurationMs } from "./literals.ts";

/** Canonical one-line text of an expression (Prometheus `Expr.String()`). */
export function formatExpr(expr: Expr): string {
  switch (expr.kind) {
    case "NumberLiteral":
      if (expr.duration) {
        return expr.value < 0
          ? "-" + formatDurationMs(secToMs(-expr.value))
          : formatDurationMs(secToMs(expr.value));
      }
      return formatFloatF(expr.value);
    case "StringLiteral":
      return goQuote(expr.value);
    case "DurationExpr":
      return durationString(expr);
    case "VectorSelector":
      return selectorString(expr, true);
    case "MatrixSelector": {
      const vs = expr.vectorSelector;
      const range = expr.rangeExpr
        ? durationString(expr.rangeExpr)
        : formatDurationMs(expr.rangeMs);
      const ext = vs.anchored ? " anchored" : vs.smoothed ? " smoothed" : "";
      return `${selectorString(vs, false)}[${range}]${ext}${atString(vs)}${offsetString(vs)}`;
    }
    case "SubqueryExpr":
      return formatExpr(expr.expr) + subquerySuffix(expr);
    case "AggregateExpr": {
      const param = expr.param ? formatExpr(expr.param) + ", " : "";
      return `${aggOpString(expr)}(${param}${formatExpr(expr.expr)})`;
    }
    case "BinaryExpr": {
      // Iterate over the left spine so that long chains (a + b + c + ...) do not recurse deeply.
      const spine: BinaryExpr[] = [];
      let cur: Expr = expr;
      while (cur.kind === "BinaryExpr") {
        spine.push(cur);
        cur = cur.lhs;
      }
      let s = formatExpr(cur);
      for (let i = spine.length - 1; i >= 0; i--) {
        const b = spine[i];
        s += ` ${b.op}${b.returnBool ? " bool" : ""}${matchingString(b)} ${formatExpr(b.rhs)}`;
      }
      return s;
    }
    case "Call":
      return `${expr.func.name}(${expr.args.map(formatExpr).join(", ")})`;
    case "ParenExpr":
      return `(${formatExpr(expr.expr)})`;
    case "UnaryExpr":
      return expr.op + formatExpr(expr.expr);
  }
}

function secToMs(s: number): number {
  return Math.trunc(Math.trunc(s * 1e9) / 1e6);
}

const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function labelList(labels: readonly string[]): string {
  return labels.map((l) => (LEGACY_LABEL.test(l) ? l : goQuote(l))).join(", ");
}

function matcherString(m: Matcher): string {
  const name = m.name === "" || !LEGACY_LABEL.test(m.name) ? goQuote(m.name) : m.name;
  return `${name}${m.type}${goQuote(m.value)}`;
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function selectorString(vs: VectorSelector, withModifiers: boolean): string {
  const parts: string[] = [];
  for (const m of vs.matchers) {
    if (m.name === "__name__" && m.type === "=" && m.value === vs.name && m.value !== "") continue;
    parts.push(matcherString(m));
  }
  let s = vs.name;
  if (parts.length > 0) s += `{${parts.sort(compareBytes).join(",")}}`;
  if (!withModifiers) return s;
  s += atString(vs);
  if (vs.anchored) s += " anchored";
  else if (vs.smoothed) s += " smoothed";
  return s + offsetString(vs);
}

function atString(n: { at?: VectorSelector["at"] }): string {
  if (!n.at) return "";
  switch (n.at.kind) {
    case "start":
      return " @ start()";
    case "end":
      return " @ end()";
    case "timestamp":
      return " @ " + (n.at.timestampMs / 1000).toFixed(3);
  }
}

function offsetString(n: { offsetMs: number; offsetExpr?: DurationExpr }): string {
  if (n.offsetExpr) return " offset " + durationString(n.offsetExpr);
  if (n.offsetMs > 0) return " offset " + formatDurationMs(n.offsetMs);
  if (n.offsetMs < 0) return " offset -" + formatDurationMs(-n.offsetMs);
  return "";
}

function subquerySuffix(e: Extract<Expr, { kind: "SubqueryExpr" }>): string {
  const range = e.rangeExpr ? durationString(e.rangeExpr) : formatDurationMs(e.rangeMs);
  const step = e.stepMs !== 0
    ? formatDurationMs(e.stepMs)
    : e.stepExpr
    ? durationString(e.stepExpr)
    : "";
  return `[${range}:${step}]${atString(e)}${offsetString(e)}`;
}

function durationString(e: DurationExpr): string {
  let s: string;
  switch (e.op) {
    case "step":
      s = "step()";
      break;
    case "range":
      s = "range()";
      break;
    case "min_of":
    case "max_of":
      s = `${e.op}(${formatExpr(e.lhs!)}, ${formatExpr(e.rhs!)})`;
      break;
    default:
      if (!e.lhs) s = (e.op === "-" ? "-" : "") + formatExpr(e.rhs!);
      else s = `${formatExpr(e.lhs)} ${e.op} ${formatExpr(e.rhs!)}`;
  }
  return e.wrapped ? `(${s})` : s;
}

function aggOpString(e: AggregateExpr): string {
  if (e.without) return `${e.op} without (${labelList(e.grouping)}) `;
  if (e.grouping.length > 0) return `${e.op} by (${labelList(e.grouping)}) `;
  return e.op;
}

function matchingString(e: BinaryExpr): string {
  const vm = e.vectorMatching;
  if (!vm) return "";
  let s = "";
  const grouped = vm.card === "many-to-one" || vm.card === "one-to-many";
  if (vm.matchingLabels.length > 0 || vm.on || grouped) {
    s += ` ${vm.on ? "on" : "ignoring"} (${labelList(vm.matchingLabels)})`;
  }
  if (grouped) {
    s += ` group_${vm.card === "many-to-one" ? "left" : "right"} (${labelList(vm.include)})`;
  }
  const { lhs, rhs } = vm.fillValues;
  if (lhs !== undefined || rhs !== undefined) {
    if (lhs !== undefined && rhs !== undefined && lhs === rhs) {
      s += ` fill (${formatFloatV(lhs)})`;
    } else {
      if (lhs !== undefined) s += ` fill_left (${formatFloatV(lhs)})`;
      if (rhs !== undefined) s += ` fill_right (${formatFloatV(rhs)})`;
    }
  }
  return s;
}

const MAX_LINE_BYTES = 100;

function byteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function indent(level: number): string {
  return "  ".repeat(level);
}

/** Options of `prettifyExpr`. */
export interface PrettifyOptions {
  /** Nodes whose one-line form is longer than this many bytes are split; default 100. */
  lineBytesMax?: number;
}

/** Multi-line form of Prometheus's `parser.Prettify` (what `format_query` returns). */
export function prettifyExpr(expr: Expr, opts: PrettifyOptions = {}): string {
  const max = opts.lineBytesMax ?? MAX_LINE_BYTES;
  const pretty = (e: Expr, level: number): string => prettyNode(e, level, max, pretty);
  try {
    return pretty(expr, 0);
  } catch (e) {
    // Pathologically deep trees exhaust the stack here; the one-line form is still exact.
    if (e instanceof RangeError) return formatExpr(expr);
    throw e;
  }
}

function prettyNode(
  e: Expr,
  level: number,
  max: number,
  pretty: (e: Expr, level: number) => string,
): string {
  const str = formatExpr(e);
  const split = byteLength(str) > max;
  switch (e.kind) {
    case "AggregateExpr": {
      if (!split) return indent(level) + str;
      let s = indent(level) + aggOpString(e) + "(\n";
      if (e.param) s += pretty(e.param, level + 1) + ",\n";
      return s + pretty(e.expr, level + 1) + "\n" + indent(level) + ")";
    }
    case "BinaryExpr": {
      if (!split) return indent(level) + str;
      return `${pretty(e.lhs, level + 1)}\n${indent(level)}${e.op}${e.returnBool ? " bool" : ""}${
        matchingString(e)
      }\n${pretty(e.rhs, level + 1)}`;
    }
    case "DurationExpr":
      return str;
    case "Call":
      if (!split) return indent(level) + str;
      return `${indent(level)}${e.func.name}(\n${
        e.args.map((a) => pretty(a, level + 1)).join(",\n")
      }\n${indent(level)})`;
    case "ParenExpr":
      if (!split) return indent(level) + str;
      return `${indent(level)}(\n${pretty(e.expr, level + 1)}\n${indent(level)})`;
    case "SubqueryExpr":
      if (!split) return str;
      return pretty(e.expr, level) + subquerySuffix(e);
    case "UnaryExpr":
      return indent(level) + e.op + pretty(e.expr, level).trim();
    default:
      return indent(level) + str;
  }
}
