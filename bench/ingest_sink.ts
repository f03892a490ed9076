/**
 * An ingest-only remote-write server for measuring the ingest layer alone: it runs
 * `WorkspaceIngest.prepare()` (negotiate, snappy, decode, HA, validate, rate limit) and answers
 * 204 without storing anything. Pair it with bench/ingest.ts:
 *
 *   ./deno run -A bench/ingest_sink.ts --port 9199 &
 *   ./deno run -A bench/ingest.ts --url http://127.0.0.1:9199/api/v1/write --pid $!
 */
import { parseArgs } from "node:util";
import {
  IngestError,
  ingestLimits,
  WorkspaceIngest,
  writtenHeaders,
} from "../engine/ingest/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "9199" },
    /** Only read the body and answer 204: the HTTP baseline. */
    null: { type: "boolean", default: false },
  },
});
const ws = new WorkspaceIngest({
  limits: ingestLimits({ ingestionRate: 1e12, ingestionBurst: 1e12 }),
});
Deno.serve(
  { hostname: "127.0.0.1", port: Number(values.port), onListen: () => {} },
  async (req) => {
    if (req.method !== "POST") return new Response("method not allowed\n", { status: 405 });
    const body = new Uint8Array(await req.arrayBuffer());
    if (values.null) return new Response(null, { status: 204 });
    try {
      const p = ws.prepare(body, req.headers);
      const h = p.version === "2.0" ? writtenHeaders(p.counts) : {};
      return new Response(null, { status: p.kind === "deduped" ? 202 : 204, headers: h });
    } catch (e) {
      if (e instanceof IngestError) return new Response(e.message + "\n", { status: e.status });
      throw e;
    }
  },
);
Deno.addSignalListener("SIGINT", () => Deno.exit(0));
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
console.log(`ingest sink pid ${Deno.pid} on 127.0.0.1:${values.port}`);
