/**
 * Every limit of the service in one place, each with its reason. Relations between limits are
 * asserted at load. Per-workspace and per-account quotas that operators may change are defaults here
 * and overridable through configuration (engine/config.ts).
 */

/** AMP: "Workspaces per region per account" quota (adjustable; `PROMENADE_WORKSPACES_MAX`). */
export const WORKSPACES_MAX_DEFAULT = 25;
/** AMP WorkspaceAlias: string 1..100. */
export const WORKSPACE_ALIAS_CHARS_MAX = 100;
/** AMP WorkspaceId: string 1..64. */
export const WORKSPACE_ID_CHARS_MAX = 64;
/** AMP IdempotencyToken: string 1..64 of printable ASCII. */
export const CLIENT_TOKEN_CHARS_MAX = 64;
/** How long a clientToken is remembered for idempotent retries (AWS keeps them for hours). */
export const CLIENT_TOKEN_TTL_MS = 8 * 3600 * 1000;
/** AMP ListWorkspaces maxResults: 1..1000, default 100. */
export const LIST_RESULTS_MAX = 1000;
/** AMP ListWorkspaces default page size. */
export const LIST_RESULTS_DEFAULT = 100;
/** AMP PaginationToken: string 0..1000. */
export const PAGINATION_TOKEN_CHARS_MAX = 1000;
/** AMP TagMap: 0..50 entries (user tags; `aws:` tags are reserved). */
export const TAGS_PER_RESOURCE_MAX = 50;
/** AMP TagKey: 1..128 characters. */
export const TAG_KEY_CHARS_MAX = 128;
/** AMP TagValue: 0..256 characters. */
export const TAG_VALUE_CHARS_MAX = 256;
/** AMP retention: 1..1095 days (3 years). */
export const RETENTION_DAYS_MIN = 1;
/** AMP retention maximum: 1095 days. */
export const RETENTION_DAYS_MAX = 1095;
/** AMP default retention: 150 days. */
export const RETENTION_DAYS_DEFAULT = 150;
/** AMP "LabelSet limits per workspace" quota. */
export const LABEL_SET_LIMITS_MAX = 100;
/** AMP KmsKeyArn: 20..2048 characters. */
export const KMS_KEY_ARN_CHARS_MIN = 20;
/** AMP KmsKeyArn maximum length. */
export const KMS_KEY_ARN_CHARS_MAX = 2048;
/** AMP "Request size" quota: 1 MB for ingest and query requests; also bounds control-plane bodies. */
export const REQUEST_BODY_BYTES_MAX = 1024 * 1024;
/** Deno KV: at most 1000 mutations per atomic commit; deletions are batched below it. */
export const KV_ATOMIC_MUTATIONS_MAX = 1000;
/** Deletion batch size: well below the KV mutation limit to keep each commit small. */
export const KV_DELETE_BATCH = 500;
/** Graceful shutdown: how long in-flight requests may take before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

if (KV_DELETE_BATCH > KV_ATOMIC_MUTATIONS_MAX) {
  throw new Error("BUG: KV_DELETE_BATCH exceeds the KV mutation limit");
}
if (LIST_RESULTS_DEFAULT > LIST_RESULTS_MAX) throw new Error("BUG: list default above max");
if (
  !(RETENTION_DAYS_MIN <= RETENTION_DAYS_DEFAULT && RETENTION_DAYS_DEFAULT <= RETENTION_DAYS_MAX)
) {
  throw new Error("BUG: retention default out of range");
}
