/**
 * A remote-write server for load tests of the write path without the HTTP app:
 * `WorkspaceIngest.prepare()` (negotiate, snappy, decode, HA, validate, rate limit), then with
 * `--store <kv file>` the storage Appender (`Workspace.append`, committed to Deno KV before the
 * 204), otherwise nothing is stored. `--null` only reads the body (the HTTP baseline).
 *
 *   ./deno run -A bench/ingest_sink.ts --port 9199 [--store /tmp/bench.kv] &
 *   ./deno run -A bench/ingest.ts --url http://127.0.0.1:9199/api/v1/write --pid <pid> \
 *     [--kv-path /tmp/bench.kv]
 */
import { parseArgs } from "node:util";
import {
  IngestError,
  ingestLimits,
  WorkspaceIngest,
  writtenHeaders,
} from "../engine/ingest/mod.ts";
import { StorageWriteError, Tsdb, WasmChunkArena, type Workspace } from "../engine/storage/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "9199" },
    /** Only read the body and answer 204: the HTTP baseline. */
    null: { type: "boolean", default: false },
    /** Deno KV file to store into (omitted: ingest only). */
    store: { type: "string" },
  },
});
const ws = new WorkspaceIngest({
  limits: ingestLimits({ ingestionRate: 1e12, ingestionBurst: 1e12 }),
});
let store: Workspace | undefined;
if (values.store) {
  const tsdb = await Tsdb.open(await Deno.openKv(values.store), {
    arena: () => new WasmChunkArena(),
  });
  store = await tsdb.workspace("bench");
}
Deno.serve(
  { hostname: "127.0.0.1", port: Number(values.port), onListen: () => {} },
  async (req) => {
    if (req.method !== "POST") return new Response("method not allowed\n", { status: 405 });
    const body = new Uint8Array(await req.arrayBuffer());
    if (values.null) return new Response(null, { status: 204 });
    try {
      const p = ws.prepare(body, req.headers);
      if (p.kind === "deduped") return new Response(p.message + "\n", { status: 202 });
      if (store) await store.append(p.request);
      const h = p.version === "2.0" ? writtenHeaders(p.counts) : {};
      return new Response(null, { status: 204, headers: h });
    } catch (e) {
      if (e instanceof IngestError || e instanceof StorageWriteError) {
        return new Response(e.message + "\n", { status: e.status });
      }
      throw e;
    }
  },
);
Deno.addSignalListener("SIGINT", () => Deno.exit(0));
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
console.log(`ingest sink pid ${Deno.pid} on 127.0.0.1:${values.port}`);
