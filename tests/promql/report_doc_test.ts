import { assert } from "../assert.ts";
import { conformanceDoc } from "./report_doc.ts";
import type { FileReport } from "./runner.ts";

Deno.test("conformanceDoc() lists totals, per-file counts, failures with notes and NH results", () => {
  const reports: FileReport[] = [
    {
      file: "a.test",
      source: "corpus",
      passed: 3,
      failed: 1,
      skipped: 2,
      skippedBy: { "native histograms": 2 },
      outcomes: [
        { line: 7, expr: "x | y", status: "failed", reason: "expected 1 but got 2" },
        { line: 9, expr: "h", status: "skipped", reason: "native histograms", wouldPass: true },
        {
          line: 11,
          expr: "rate(h[1m])",
          status: "skipped",
          reason: "native histograms",
          wouldPass: false,
          got: "bad bucket",
        },
      ],
    },
    {
      file: "own.test",
      source: "own",
      passed: 2,
      failed: 0,
      skipped: 0,
      skippedBy: {},
      outcomes: [],
    },
  ];
  const doc = conformanceDoc(reports, { "a.test:7": "known: pipes" }, "now");
  assert(doc.includes("Upstream corpus: 3 of 4 non-histogram evals pass (75.0%)"), doc);
  assert(doc.includes("| own.test (own) | 2 | 0 | 0 | 100.0% | – |"), doc);
  assert(doc.includes("| 7 | `x \\| y` | known: pipes — runner: expected 1 but got 2 |"), doc);
  assert(doc.includes("| 1/2 |"), doc);
  assert(doc.includes("| a.test:11 | `rate(h[1m])` | bad bucket |"), doc);
});
