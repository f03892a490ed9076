/** The engine: wires storage, ingest, PromQL and the control plane. Never imports routes/ or hono. */
export * as model from "./model/mod.ts";
