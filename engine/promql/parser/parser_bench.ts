import { formatExpr, parseExpr } from "./mod.ts";

const QUERY =
  `sum by (job) (rate(http_requests_total{code=~"5..",job!="x"}[5m] offset 1h)) / ignoring (code) group_left sum(rate(http_requests_total[5m]))`;
const PARSED = parseExpr(QUERY);

Deno.bench(
  { name: "parseExpr() of a typical dashboard query", group: "parser", baseline: true },
  () => {
    parseExpr(QUERY);
  },
);

Deno.bench({ name: "formatExpr() of a typical dashboard query", group: "parser" }, () => {
  formatExpr(PARSED);
});
