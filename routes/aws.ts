/** AWS rest-json response helpers: one writer for success bodies, one for modeled errors. */
import type { Context } from "hono";
import {
  AwsServiceError,
  InternalServerException,
  ThrottlingException,
  ValidationException,
} from "../engine/mod.ts";
import { REQUEST_BODY_BYTES_MAX } from "../engine/limits.ts";

/** Writes a JSON success body (or an empty body when `body` is undefined) with AWS headers. */
export function awsJson(c: Context, status: number, body?: unknown): Response {
  const headers = { "content-type": "application/json", date: new Date().toUTCString() };
  if (body === undefined) return c.body(null, status as 200, headers);
  return c.body(JSON.stringify(body), status as 200, headers);
}

/** Writes a modeled AWS error: status, `x-amzn-ErrorType`, and `{message, __type, ...members}`. */
export function awsError(c: Context, err: unknown): Response {
  const e = err instanceof AwsServiceError
    ? err
    : new InternalServerException("Internal server error");
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-amzn-errortype": e.code,
    date: new Date().toUTCString(),
  };
  if (e instanceof ThrottlingException && e.retryAfterSeconds !== undefined) {
    headers["retry-after"] = String(e.retryAfterSeconds);
  }
  const body = { message: e.message, __type: e.code, ...e.members() };
  return c.body(JSON.stringify(body), e.status as 400, headers);
}

/** Reads the JSON body (empty body = `undefined`), enforcing the size limit. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const buf = new Uint8Array(await c.req.arrayBuffer());
  if (buf.byteLength > REQUEST_BODY_BYTES_MAX) {
    throw new ValidationException(
      `Request body larger than ${REQUEST_BODY_BYTES_MAX} bytes`,
      "OTHER",
    );
  }
  if (buf.byteLength === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(buf));
  } catch {
    throw new ValidationException("Could not parse the request body as JSON", "CANNOT_PARSE");
  }
}

/** The base URL clients reach this server at (configured, or the request's own origin). */
export function baseUrl(c: Context, publicUrl: string): string {
  return publicUrl !== "" ? publicUrl : new URL(c.req.url).origin;
}
