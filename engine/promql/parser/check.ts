/**
 * Type checking of a parsed AST with Prometheus's rules and messages (`checkAST` in parse.go):
 * operand types of operators, aggregations and function calls, vector-matching rules, and
 * non-empty selectors. Runs only when the syntax was error free, in the same traversal order.
 */

import type { BinaryExpr, Expr, PosRange, ValueType } from "./ast.ts";
import type { ParseErrorDetail } from "./errors.ts";
import { goQuote } from "../../model/go_format.ts";

/** User-facing type name, as Prometheus's `DocumentedType`. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case "vector":
      return "instant vector";
    case "matrix":
      return "range vector";
    default:
      return t;
  }
}

const COMPARISON = new Set(["==", "!=", "<=", "<", ">=", ">"]);
const SET_OPS = new Set(["and", "or", "unless"]);

/** Appends type errors of `e` to `errors` (positions as in the parser's input indexing). */
export function checkAst(e: Expr, input: string, errors: ParseErrorDetail[]): ValueType {
  const err = (pos: PosRange, msg: string) => errors.push({ pos: { ...pos }, err: msg });
  const expectType = (node: Expr, want: ValueType, context: string) => {
    const t = check(node);
    if (t !== want) {
      err(
        node.pos,
        `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`,
      );
    }
  };

  const opRange = (n: BinaryExpr): PosRange => {
    let start = n.lhs.pos.end;
    while (start < input.length && isSpace(input[start])) start++;
    let end = n.rhs.pos.start - 1;
    while (end > 0 && isSpace(input[end])) end--;
    return { start, end };
  };

  const checkBinary = (b: BinaryExpr, lt: ValueType, rt: ValueType): void => {
    const cmp = COMPARISON.has(b.op);
    const setOp = SET_OPS.has(b.op);
    const vm = b.vectorMatching!;
    if (b.returnBool && !cmp) {
      err(opRange(b), "bool modifier can only be used on comparison operators");
    }
    if (cmp && !b.returnBool && lt === "scalar" && rt === "scalar") {
      err(opRange(b), "comparisons between scalars must use BOOL modifier");
    }
    if (setOp && vm.card === "one-to-one") vm.card = "many-to-many";
    if (vm.on) {
      for (const l1 of vm.matchingLabels) {
        for (const l2 of vm.include) {
          if (l1 === l2) {
            err(
              opRange(b),
              `label ${goQuote(l1)} must not occur in ON and GROUP clause at once`,
            );
          }
        }
      }
    }
    if (lt !== "scalar" && lt !== "vector") {
      err(b.lhs.pos, "binary expression must contain only scalar and instant vector types");
    }
    if (rt !== "scalar" && rt !== "vector") {
      err(b.rhs.pos, "binary expression must contain only scalar and instant vector types");
    }
    const hasFill = vm.fillValues.lhs !== undefined || vm.fillValues.rhs !== undefined;
    if (lt !== "vector" || rt !== "vector") {
      if (vm.matchingLabels.length > 0) {
        err(b.pos, "vector matching only allowed between instant vectors");
      }
      if (hasFill) err(b.pos, "filling in missing series only allowed between instant vectors");
      delete b.vectorMatching;
    } else if (setOp) {
      if (vm.card === "one-to-many" || vm.card === "many-to-one") {
        err(b.pos, `no grouping allowed for ${goQuote(b.op)} operation`);
      }
      if (vm.card !== "many-to-many") err(b.pos, "set operations must always be many-to-many");
      if (hasFill) err(b.pos, "filling in missing series not allowed for set operators");
    }
    if ((lt === "scalar" || rt === "scalar") && setOp) {
      err(b.pos, `set operator ${goQuote(b.op)} not allowed in binary scalar expression`);
    }
  };

  const check = (n: Expr): ValueType => {
    const typ = n.valueType;
    switch (n.kind) {
      case "AggregateExpr":
        expectType(n.expr, "vector", "aggregation expression");
        if (
          n.op === "topk" || n.op === "bottomk" || n.op === "quantile" || n.op === "limitk" ||
          n.op === "limit_ratio"
        ) {
          expectType(n.param!, "scalar", "aggregation parameter");
        }
        if (n.op === "count_values") expectType(n.param!, "string", "aggregation parameter");
        break;

      case "BinaryExpr": {
        // Walk the left spine iteratively: long chains (a + b + c + ...) must not exhaust the stack.
        const spine: BinaryExpr[] = [];
        let cur: Expr = n;
        while (cur.kind === "BinaryExpr") {
          spine.push(cur);
          cur = cur.lhs;
        }
        let lt = check(cur);
        for (let i = spine.length - 1; i >= 0; i--) {
          const b = spine[i];
          const rt = check(b.rhs);
          checkBinary(b, lt, rt);
          lt = b.valueType;
        }
        break;
      }

      case "Call": {
        const f = n.func;
        const nargs = f.argTypes.length;
        if (f.variadic === 0) {
          if (nargs !== n.args.length) {
            err(
              n.pos,
              `expected ${nargs} argument(s) in call to ${goQuote(f.name)}, got ${n.args.length}`,
            );
          }
        } else {
          const na = nargs - 1;
          if (na > n.args.length) {
            err(
              n.pos,
              `expected at least ${na} argument(s) in call to ${
                goQuote(f.name)
              }, got ${n.args.length}`,
            );
          } else if (f.variadic > 0 && na + f.variadic < n.args.length) {
            err(
              n.pos,
              `expected at most ${na + f.variadic} argument(s) in call to ${
                goQuote(f.name)
              }, got ${n.args.length}`,
            );
          }
        }
        if (f.name === "info" && n.args.length > 1) {
          const a = n.args[1];
          if (a.valueType !== "vector") {
            err(
              n.pos,
              `expected type ${documentedType("vector")} in call to function ${
                goQuote(f.name)
              }, got ${documentedType(a.valueType)}`,
            );
          }
          if (a.kind === "VectorSelector" && a.name !== "") {
            err(a.pos, "expected label selectors only, got vector selector instead");
          } else if (a.kind === "VectorSelector") {
            a.bypassEmptyMatcherCheck = true;
          } else {
            err(a.pos, "expected label selectors only");
          }
        }
        for (let i = 0; i < n.args.length; i++) {
          let j = i;
          if (i >= nargs) {
            if (f.variadic === 0) break;
            j = nargs - 1;
          }
          const t = check(n.args[i]);
          if (t !== f.argTypes[j]) {
            err(
              n.args[i].pos,
              `expected type ${documentedType(f.argTypes[j])} in call to function ${
                goQuote(f.name)
              }, got ${documentedType(t)}`,
            );
          }
        }
        break;
      }

      case "ParenExpr":
        check(n.expr);
        break;

      case "UnaryExpr": {
        const t = check(n.expr);
        if (t !== "scalar" && t !== "vector") {
          err(
            n.pos,
            `unary expression only allowed on expressions of type scalar or instant vector, got ${
              goQuote(documentedType(t))
            }`,
          );
        }
        break;
      }

      case "SubqueryExpr": {
        const t = check(n.expr);
        if (t !== "vector") {
          err(n.pos, `subquery is only allowed on instant vector, got ${t} instead`);
        }
        break;
      }

      case "MatrixSelector":
        check(n.vectorSelector);
        break;

      case "VectorSelector":
        if (n.name !== "") {
          for (const m of n.matchers.slice(0, -1)) {
            if (m.name === "__name__") {
              err(
                n.pos,
                `metric name must not be set twice: ${goQuote(n.name)} or ${goQuote(m.value)}`,
              );
            }
          }
          break;
        }
        if (!n.bypassEmptyMatcherCheck && !n.matchers.some((m) => !m.matchesEmpty())) {
          err(n.pos, "vector selector must contain at least one non-empty matcher");
        }
        break;

      case "NumberLiteral":
      case "StringLiteral":
      case "DurationExpr":
        break;
    }
    return typ;
  };

  return check(e);
}

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}
