/**
 * The in-process write path the pipeline benches drive (bench/ingest_pipeline.ts,
 * bench/head_heap.ts): a file-backed Deno KV, its Tsdb, one workspace and a WorkspaceIngest whose
 * rate limit never refuses, plus the remote write 1.0 headers their bodies need.
 */
import { ingestLimits, WorkspaceIngest } from "../engine/ingest/mod.ts";
import { REMOTE_WRITE_V1_HEADERS } from "../engine/ingest/payloads.ts";
import { Tsdb, type Workspace } from "../engine/storage/mod.ts";

/** What a pipeline bench writes through. */
export interface Pipeline {
  kv: Deno.Kv;
  tsdb: Tsdb;
  ws: Workspace;
  ingest: WorkspaceIngest;
  headers: Headers;
  /** Closes the Tsdb and the KV. */
  close(): Promise<void>;
}

/** Opens the KV file at `path` and workspace "bench" on it. */
export async function openPipeline(path: string): Promise<Pipeline> {
  const kv = await Deno.openKv(path);
  const tsdb = await Tsdb.open(kv);
  const ws = await tsdb.workspace("bench");
  const ingest = new WorkspaceIngest({
    limits: ingestLimits({ ingestionRate: 1e12, ingestionBurst: 1e12 }),
  });
  const headers = new Headers(REMOTE_WRITE_V1_HEADERS);
  const close = async () => {
    await tsdb.close();
    kv.close();
  };
  return { kv, tsdb, ws, ingest, headers, close };
}
