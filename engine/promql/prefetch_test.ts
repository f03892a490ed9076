import { assertEquals } from "../../tests/assert.ts";
import type { Expr, VectorSelector } from "./parser/mod.ts";
import { parseExpr, walk } from "./parser/mod.ts";
import { QueryContext } from "./context.ts";
import { histogramStatsSelectors, resolveDurations, selectorRange } from "./prefetch.ts";

const M = 60_000;

function ctx(startMs: number, endMs: number, stepMs: number): QueryContext {
  return new QueryContext(startMs, endMs, stepMs, 5 * M, 1e9, M, Date.now() + 10_000, undefined);
}

/** The first vector selector and the path to it. */
function firstSelector(e: Expr): { vs: VectorSelector; path: Expr[]; range: number } {
  let out: { vs: VectorSelector; path: Expr[]; range: number } | undefined;
  walk(e, (n, path) => {
    if (out) return false;
    if (n.kind === "MatrixSelector") {
      out = { vs: n.vectorSelector, path: [...path], range: n.rangeMs };
      return false;
    }
    if (n.kind === "VectorSelector") out = { vs: n, path: [...path], range: 0 };
    return true;
  });
  return out!;
}

function range(q: string, c: QueryContext): [number, number] {
  const e = parseExpr(q);
  resolveDurations(c, e);
  const f = firstSelector(e);
  return selectorRange(c, f.vs, f.path, f.range);
}

Deno.test("selectorRange() covers the lookback of instant selectors (left-open)", () => {
  assertEquals(range("up", ctx(10 * M, 10 * M, 0)), [5 * M + 1, 10 * M]);
});

Deno.test("selectorRange() covers ranges, offsets and subqueries", () => {
  assertEquals(range("rate(up[5m] offset 1m)", ctx(10 * M, 20 * M, M)), [4 * M + 1, 19 * M]);
  assertEquals(range("max_over_time(up[10m:1m])", ctx(30 * M, 30 * M, 0)), [15 * M + 1, 30 * M]);
});

Deno.test("selectorRange() pins @ to its time", () => {
  assertEquals(range("up @ 600", ctx(0, 100 * M, M)), [5 * M + 1, 10 * M]);
  assertEquals(range("up @ end()", ctx(0, 100 * M, M)), [95 * M + 1, 100 * M]);
});

Deno.test("resolveDurations() evaluates step() and range() of the query", () => {
  const c = ctx(0, 10 * M, 30_000);
  const e = parseExpr("max_over_time(up[2 * step()]) + min_over_time(up[range()])");
  resolveDurations(c, e);
  const found: number[] = [];
  walk(e, (n) => {
    if (n.kind === "MatrixSelector" && n.rangeExpr) found.push(c.durations.get(n.rangeExpr)!);
    return true;
  });
  assertEquals(found, [60_000, 600_000]);
});

Deno.test("histogramStatsSelectors() finds selectors only histogram_count/sum/avg read", () => {
  const names = (q: string) => [...histogramStatsSelectors(parseExpr(q))].map((v) => v.name);
  assertEquals(names("histogram_count(rate(h[5m]))"), ["h"]);
  assertEquals(names("histogram_count(rate(h[5m:1m]))"), []);
  assertEquals(names("histogram_quantile(0.5, h)"), []);
  assertEquals(names("histogram_sum(sum(h)) + g"), ["h"]);
});
