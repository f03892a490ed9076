/**
 * Postings at 100k series (bench/ingest.ts's label sets): building the index and the matcher
 * shapes queries use. `./deno bench -A bench/postings_bench.ts`
 */
import { labelsFromPairs } from "../engine/model/labels.ts";
import { Matcher } from "../engine/model/matcher.ts";
import { benchLabelSets } from "../engine/ingest/payloads.ts";
import { MemPostings } from "../engine/storage/postings.ts";

const sets = benchLabelSets(100_000).map((s) => labelsFromPairs(s));
const p = new MemPostings();
for (let i = 0; i < sets.length; i++) p.add(i + 1, sets[i]);

Deno.bench("add 100k series", { group: "build" }, () => {
  const q = new MemPostings();
  for (let i = 0; i < sets.length; i++) q.add(i + 1, sets[i]);
});

const cases: [string, Matcher[]][] = [
  ["metric name (50k series)", [
    new Matcher("=", "__name__", "http_request_duration_seconds_bucket"),
  ]],
  ["name and job and code (~17k)", [
    new Matcher("=", "__name__", "http_request_duration_seconds_bucket"),
    new Matcher("=", "job", "api"),
    new Matcher("=", "code", "500"),
  ]],
  ["one instance (1-2 series)", [new Matcher("=", "instance", "ip-10-0-1-7.ec2.internal:9100")]],
  ["instance regex over 65k values", [new Matcher("=~", "instance", "ip-10-0-1-.*")]],
  ["name and mode != idle", [
    new Matcher("=", "__name__", "node_cpu_seconds_total"),
    new Matcher("!=", "mode", "idle"),
  ]],
];
for (const [name, ms] of cases) {
  Deno.bench(`select: ${name}`, { group: "select" }, () => {
    p.select(ms);
  });
}

// Removing every other series (cold eviction or retention of half the head): one by one splices
// each list once per id (quadratic in the list length); deleteMany filters each list once.
const half: number[] = [];
for (let i = 1; i <= sets.length; i += 2) half.push(i);
const labelsOf = (id: number) => sets[id - 1];
const halfLabels = half.map(labelsOf);
for (
  const [name, remove] of [
    ["one by one (delete)", (q: MemPostings) => {
      for (const id of half) q.delete(id, labelsOf(id));
    }],
    ["deleteMany", (q: MemPostings) => q.deleteMany(half, halfLabels)],
  ] as const
) {
  Deno.bench(`remove 50k of 100k series: ${name}`, { group: "remove", n: 1, warmup: 0 }, (b) => {
    const q = new MemPostings();
    for (let i = 0; i < sets.length; i++) q.add(i + 1, sets[i]);
    b.start();
    remove(q);
    b.end();
  });
}
