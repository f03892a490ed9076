/**
 * Enforces the layering of DESIGN.md section 3: dependencies point one way
 * (model <- storage <- promql <- rules; alertmanager on model only); engine/ never imports hono
 * or routes/; routes/ never import main.ts.
 */
import { assert } from "./assert.ts";

const root = new URL("../", import.meta.url);

/** Which engine folders each engine folder may import (besides itself and model). */
const ALLOWED: Record<string, string[]> = {
  model: [],
  storage: ["model"],
  ingest: ["model", "storage"],
  promql: ["model", "storage"],
  rules: ["model", "storage", "promql"],
  alertmanager: ["model", "template"],
  template: ["model"],
  control: ["model", "storage"],
  auth: ["model", "control"],
};

async function* walk(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) {
      if (e.name !== "gen") yield* walk(u);
    } else if (e.name.endsWith(".ts")) yield u;
  }
}

function imports(src: string): string[] {
  const out: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\b[^"'`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of src.matchAll(re)) out.push(m[1] ?? m[2]);
  return out;
}

Deno.test("engine/ never imports hono or routes/, and engine folders respect the layering", async () => {
  const problems: string[] = [];
  for await (const file of walk(new URL("engine/", root))) {
    const rel = file.pathname.slice(new URL("engine/", root).pathname.length);
    const folder = rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : "";
    const src = await Deno.readTextFile(file);
    for (const spec of imports(src)) {
      if (spec === "hono" || spec.startsWith("hono/")) problems.push(`${rel} imports ${spec}`);
      if (!spec.startsWith(".")) continue;
      const target = new URL(spec, file).pathname;
      const engineDir = new URL("engine/", root).pathname;
      if (!target.startsWith(engineDir)) {
        const isTest = /_(test|bench)\.ts$/.test(rel);
        const toTests = target.startsWith(new URL("tests/", root).pathname);
        const toWasm = target.startsWith(new URL("wasm/", root).pathname);
        if (!toWasm && !(isTest && toTests)) problems.push(`${rel} imports ${spec}`);
        continue;
      }
      const trel = target.slice(engineDir.length);
      const tfolder = trel.includes("/") ? trel.slice(0, trel.indexOf("/")) : "";
      if (folder === "" || tfolder === folder || tfolder === "model") continue;
      if (tfolder === "" && folder !== "model") continue; // engine-level leaf modules (limits, log)
      const allowed = ALLOWED[folder];
      if (!allowed || !allowed.includes(tfolder)) problems.push(`${rel} imports ${spec}`);
    }
  }
  assert(problems.length === 0, "layering violations:\n" + problems.join("\n"));
});

Deno.test("routes/ never imports main.ts", async () => {
  const problems: string[] = [];
  for await (const file of walk(new URL("routes/", root))) {
    const src = await Deno.readTextFile(file);
    for (const spec of imports(src)) {
      if (
        spec.startsWith(".") && new URL(spec, file).pathname === new URL("main.ts", root).pathname
      ) {
        problems.push(file.pathname);
      }
    }
  }
  assert(problems.length === 0, problems.join("\n"));
});
