/**
 * Server-side validation of control-plane inputs against the AMP model (max, pattern and enum are
 * not checked by AWS clients, so the server must). Each parser takes untrusted JSON and returns a
 * typed value or throws ValidationException with AWS's wording.
 */
import { ValidationException } from "./errors.ts";
import * as L from "../limits.ts";

/** Strictest reading of the AMP id/name pattern, fully matched. */
const ID_RE = /^[0-9A-Za-z][-.0-9A-Z_a-z]*$/;
const TAG_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TOKEN_RE = /^[!-~]+$/;
const KMS_RE = /^arn:aws[-a-z]*:kms:[-a-z0-9]+:[0-9]{12}:key\/[-a-f0-9]+$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A workspace's label-set limit (AMP LimitsPerLabelSet). */
export interface LimitsPerLabelSet {
  limits: { maxSeries?: number };
  labelSet: Record<string, string>;
}

/** The request body as a JSON object (an absent body is `{}`). */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) {
    throw new ValidationException("Request body must be a JSON object", "CANNOT_PARSE");
  }
  return body as Record<string, unknown>;
}

/** Validates a workspace id from the path. */
export function workspaceId(v: unknown, field = "workspaceId"): string {
  const s = str(v, field);
  if (s.length < 1) {
    throw ValidationException.field(field, s, "Member must have length greater than or equal to 1");
  }
  if (s.length > L.WORKSPACE_ID_CHARS_MAX) {
    throw ValidationException.field(
      field,
      s,
      `Member must have length less than or equal to ${L.WORKSPACE_ID_CHARS_MAX}`,
    );
  }
  if (!ID_RE.test(s)) {
    throw ValidationException.field(
      field,
      s,
      "Member must satisfy regular expression pattern: [0-9A-Za-z][-.0-9A-Z_a-z]*",
    );
  }
  return s;
}

/** Validates and trims an optional workspace alias (leading/trailing blanks are trimmed, as AMP does). */
export function alias(v: unknown, field = "alias"): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = str(v, field).trim();
  if (s.length < 1) {
    throw ValidationException.field(field, s, "Member must have length greater than or equal to 1");
  }
  if (s.length > L.WORKSPACE_ALIAS_CHARS_MAX) {
    throw ValidationException.field(
      field,
      s,
      `Member must have length less than or equal to ${L.WORKSPACE_ALIAS_CHARS_MAX}`,
    );
  }
  return s;
}

/** Validates an optional idempotency token. */
export function clientToken(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = str(v, "clientToken");
  if (s.length < 1 || s.length > L.CLIENT_TOKEN_CHARS_MAX) {
    throw ValidationException.field(
      "clientToken",
      s,
      `Member must have length between 1 and ${L.CLIENT_TOKEN_CHARS_MAX}`,
    );
  }
  if (!TOKEN_RE.test(s)) {
    throw ValidationException.field(
      "clientToken",
      s,
      "Member must satisfy regular expression pattern: [!-~]+",
    );
  }
  return s;
}

/** Validates an optional KMS key ARN. */
export function kmsKeyArn(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = str(v, "kmsKeyArn");
  if (s.length < L.KMS_KEY_ARN_CHARS_MIN || s.length > L.KMS_KEY_ARN_CHARS_MAX) {
    throw ValidationException.field(
      "kmsKeyArn",
      s,
      `Member must have length between ${L.KMS_KEY_ARN_CHARS_MIN} and ${L.KMS_KEY_ARN_CHARS_MAX}`,
    );
  }
  if (!KMS_RE.test(s)) {
    throw ValidationException.field(
      "kmsKeyArn",
      s,
      "Member must satisfy regular expression pattern: arn:aws[-a-z]*:kms:[-a-z0-9]+:[0-9]{12}:key/[-a-f0-9]+",
    );
  }
  return s;
}

/** Validates one tag key: length, pattern, and the reserved `aws:` prefix. */
export function tagKey(k: unknown, field = "tagKeys"): string {
  const s = str(k, field);
  if (s.length < 1 || s.length > L.TAG_KEY_CHARS_MAX) {
    throw ValidationException.field(
      field,
      s,
      `Member must have length between 1 and ${L.TAG_KEY_CHARS_MAX}`,
    );
  }
  if (!TAG_RE.test(s)) {
    throw ValidationException.field(
      field,
      s,
      "Member must satisfy regular expression pattern: ([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)",
    );
  }
  if (s.toLowerCase().startsWith("aws:")) {
    throw new ValidationException(
      `Tag keys starting with 'aws:' are reserved for system use: '${s}'`,
    );
  }
  return s;
}

/** Validates a tag map (0..50 entries, key and value constraints). `undefined` stays undefined. */
export function tagMap(v: unknown, field = "tags"): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    throw ValidationException.field(field, v, "Member must be a map");
  }
  const out: Record<string, string> = {};
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > L.TAGS_PER_RESOURCE_MAX) {
    throw ValidationException.field(
      field,
      `{${entries.length} tags}`,
      `Member must have length less than or equal to ${L.TAGS_PER_RESOURCE_MAX}`,
    );
  }
  for (const [k, val] of entries) {
    const key = tagKey(k, field);
    const value = str(val ?? "", `${field}.${key}`);
    if (value.length > L.TAG_VALUE_CHARS_MAX) {
      throw ValidationException.field(
        `${field}.${key}`,
        value,
        `Member must have length less than or equal to ${L.TAG_VALUE_CHARS_MAX}`,
      );
    }
    if (!TAG_RE.test(value)) {
      throw ValidationException.field(
        `${field}.${key}`,
        value,
        "Member must satisfy regular expression pattern: ([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)",
      );
    }
    out[key] = value;
  }
  return out;
}

/** Validates ListWorkspaces `maxResults` (1..1000, default 100). */
export function maxResults(v: string | undefined): number {
  if (v === undefined) return L.LIST_RESULTS_DEFAULT;
  if (!/^-?\d+$/.test(v)) {
    throw ValidationException.field("maxResults", v, "Member must be an integer");
  }
  const n = Number(v);
  if (n < 1 || n > L.LIST_RESULTS_MAX) {
    throw ValidationException.field(
      "maxResults",
      v,
      `Member must have value between 1 and ${L.LIST_RESULTS_MAX}`,
    );
  }
  return n;
}

/** Validates a pagination token's length (its content is checked by whoever decodes it). */
export function paginationToken(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v.length > L.PAGINATION_TOKEN_CHARS_MAX) {
    throw ValidationException.field(
      "nextToken",
      v,
      `Member must have length less than or equal to ${L.PAGINATION_TOKEN_CHARS_MAX}`,
    );
  }
  return v;
}

/** Validates `retentionPeriodInDays` (1..1095). */
export function retentionPeriodInDays(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw ValidationException.field("retentionPeriodInDays", v, "Member must be an integer");
  }
  if (v < L.RETENTION_DAYS_MIN || v > L.RETENTION_DAYS_MAX) {
    throw ValidationException.field(
      "retentionPeriodInDays",
      v,
      `Member must have value between ${L.RETENTION_DAYS_MIN} and ${L.RETENTION_DAYS_MAX}`,
    );
  }
  return v;
}

/** Validates `limitsPerLabelSet`: at most 100 entries, valid label sets, no duplicates, maxSeries >= 0. */
export function limitsPerLabelSet(v: unknown): LimitsPerLabelSet[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    throw ValidationException.field("limitsPerLabelSet", v, "Member must be a list");
  }
  if (v.length > L.LABEL_SET_LIMITS_MAX) {
    throw ValidationException.field(
      "limitsPerLabelSet",
      `[${v.length} entries]`,
      `Member must have length less than or equal to ${L.LABEL_SET_LIMITS_MAX}`,
    );
  }
  const seen = new Set<string>();
  return v.map((item, i) => {
    const f = `limitsPerLabelSet.${i + 1}`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw ValidationException.field(f, item, "Member must be a structure");
    }
    const { limits, labelSet } = item as Record<string, unknown>;
    if (typeof limits !== "object" || limits === null || Array.isArray(limits)) {
      throw ValidationException.field(`${f}.limits`, limits ?? null, "Member must not be null");
    }
    if (typeof labelSet !== "object" || labelSet === null || Array.isArray(labelSet)) {
      throw ValidationException.field(`${f}.labelSet`, labelSet ?? null, "Member must not be null");
    }
    const ms = (limits as Record<string, unknown>).maxSeries;
    const outLimits: { maxSeries?: number } = {};
    if (ms !== undefined && ms !== null) {
      if (typeof ms !== "number" || !Number.isSafeInteger(ms) || ms < 0) {
        throw ValidationException.field(
          `${f}.limits.maxSeries`,
          ms,
          "Member must have value greater than or equal to 0",
        );
      }
      outLimits.maxSeries = ms;
    }
    const outSet: Record<string, string> = {};
    for (const [name, value] of Object.entries(labelSet as Record<string, unknown>)) {
      if (!LABEL_NAME_RE.test(name)) {
        throw ValidationException.field(
          `${f}.labelSet`,
          name,
          "Member must satisfy regular expression pattern: [a-zA-Z_][a-zA-Z0-9_]*",
        );
      }
      if (typeof value !== "string" || value.length < 1) {
        throw ValidationException.field(
          `${f}.labelSet.${name}`,
          value ?? null,
          "Member must have length greater than or equal to 1",
        );
      }
      if (!/[!-~]/.test(value)) {
        throw ValidationException.field(
          `${f}.labelSet.${name}`,
          value,
          "Member must contain at least one non-whitespace ASCII character",
        );
      }
      outSet[name] = value;
    }
    const key = JSON.stringify(
      Object.entries(outSet).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    if (seen.has(key)) {
      throw new ValidationException(
        `Duplicate label set in limitsPerLabelSet: ${JSON.stringify(outSet)}`,
      );
    }
    seen.add(key);
    return { limits: outLimits, labelSet: outSet };
  });
}

function str(v: unknown, field: string): string {
  if (typeof v !== "string") {
    throw ValidationException.field(field, v ?? null, "Member must be a string");
  }
  return v;
}
