/**
 * Conversion of UTF-16 indices (what the lexer works with) to the byte offsets Prometheus uses
 * for positions. A no-op for ASCII input.
 */

import type { DurationExpr, Expr, PosRange } from "./ast.ts";
import { children } from "./ast.ts";
import type { ParseErrorDetail } from "./errors.ts";

/** Maps each UTF-16 index of `input` (0..length) to its UTF-8 byte offset; undefined for ASCII. */
export function byteOffsets(input: string): Int32Array | undefined {
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(input)) return undefined;
  const map = new Int32Array(input.length + 1);
  let b = 0;
  for (let i = 0; i < input.length; i++) {
    map[i] = b;
    const c = input.charCodeAt(i);
    if (c < 0x80) b += 1;
    else if (c < 0x800) b += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < input.length) {
      const d = input.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        map[i + 1] = b;
        b += 4;
        i++;
        continue;
      }
      b += 3;
    } else b += 3;
  }
  map[input.length] = b;
  return map;
}

function conv(map: Int32Array, p: PosRange): PosRange {
  const c = (i: number) => (i >= 0 && i < map.length ? map[i] : i);
  return { start: c(p.start), end: c(p.end) };
}

/** Rewrites positions of errors or of a whole AST (in place) from UTF-16 indices to bytes. */
export function convertPositions(input: string, errors: ParseErrorDetail[]): ParseErrorDetail[];
export function convertPositions(input: string, expr: Expr): Expr;
export function convertPositions(
  input: string,
  x: ParseErrorDetail[] | Expr,
): ParseErrorDetail[] | Expr {
  const map = byteOffsets(input);
  if (!map) return x;
  if (Array.isArray(x)) return x.map((e) => ({ pos: conv(map, e.pos), err: e.err }));
  const seen = new Set<Expr>();
  const stack: (Expr | DurationExpr | undefined)[] = [x];
  while (stack.length > 0) {
    const e = stack.pop();
    if (!e || seen.has(e)) continue;
    seen.add(e);
    e.pos = conv(map, e.pos);
    if (e.kind === "VectorSelector") stack.push(e.offsetExpr);
    if (e.kind === "MatrixSelector") stack.push(e.rangeExpr);
    if (e.kind === "SubqueryExpr") stack.push(e.rangeExpr, e.stepExpr, e.offsetExpr);
    stack.push(...children(e));
  }
  return x;
}
