/** The AMP control plane: workspaces, their configuration and tags, and AMP's exceptions. */
export * from "./errors.ts";
export { WorkspaceStore } from "./workspaces.ts";
export type {
  WorkspaceConfigRecord,
  WorkspaceRecord,
  WorkspaceStatusCode,
  WorkspaceStoreOptions,
} from "./workspaces.ts";
export type { LimitsPerLabelSet } from "./validate.ts";
