/**
 * Remote-write content negotiation, with Prometheus's answers (storage/remote/write_handler.go):
 * `Content-Type` selects the protobuf message (absent = 1.0), `Content-Encoding` must be snappy
 * (absent = snappy), anything else is a 415 with Prometheus's wording.
 */
import { UnsupportedMediaTypeError } from "./errors.ts";

/** The media type of every remote-write body. */
export const PROTOBUF_CONTENT_TYPE = "application/x-protobuf";
/** The 1.0 message name (`proto=` parameter). */
export const PROTO_MSG_V1 = "prometheus.WriteRequest";
/** The 2.0 message name (`proto=` parameter). */
export const PROTO_MSG_V2 = "io.prometheus.write.v2.Request";
/** Content-Type a 2.0 client sends. */
export const CONTENT_TYPE_V2 = `${PROTOBUF_CONTENT_TYPE};proto=${PROTO_MSG_V2}`;
/** The version header. */
export const VERSION_HEADER = "X-Prometheus-Remote-Write-Version";

/** The negotiated protocol of one request. */
export interface RemoteWriteProtocol {
  version: "1.0" | "2.0";
  /** The `X-Prometheus-Remote-Write-Version` header as sent ("" when absent). */
  versionHeader: string;
}

/** Chooses the protocol from request headers or throws `UnsupportedMediaTypeError` (415). */
export function negotiateRemoteWrite(headers: Headers): RemoteWriteProtocol {
  const versionHeader = headers.get(VERSION_HEADER) ?? "";
  let contentType = headers.get("Content-Type") ?? "";
  // Prometheus: no Content-Type means a 1.0 client from before negotiation existed.
  if (contentType === "") contentType = PROTOBUF_CONTENT_TYPE;
  contentType = contentType.trim();
  const parts = contentType.split(";");
  // RFC 9110: media types are case-insensitive and ";" may carry whitespace around it;
  // Prometheus compares exactly, we accept both (same answers for what Prometheus accepts).
  if (parts[0].trim().toLowerCase() !== PROTOBUF_CONTENT_TYPE) {
    throw new UnsupportedMediaTypeError(
      `expected ${PROTOBUF_CONTENT_TYPE} as the first (media) part, got ${contentType} content-type`,
    );
  }
  let msg = PROTO_MSG_V1;
  for (const p of parts.slice(1)) {
    const pair = p.split("=");
    if (pair.length !== 2) {
      throw new UnsupportedMediaTypeError(
        `as per https://www.rfc-editor.org/rfc/rfc9110#parameter expected parameters to be key-values, got ${p} in ${contentType} content-type`,
      );
    }
    if (pair[0].trim() === "proto") {
      msg = pair[1].trim();
      if (msg !== PROTO_MSG_V1 && msg !== PROTO_MSG_V2) {
        throw new UnsupportedMediaTypeError(
          `got ${contentType} content type; unknown remote write protobuf message ${msg}, supported: ${PROTO_MSG_V1}, ${PROTO_MSG_V2}`,
        );
      }
      break;
    }
  }
  const enc = headers.get("Content-Encoding") ?? "";
  // Prometheus: no Content-Encoding is taken as snappy for old 1.0 clients.
  if (enc !== "" && enc.toLowerCase() !== "snappy") {
    throw new UnsupportedMediaTypeError(
      `${enc} encoding (compression) is not accepted by this server; only snappy is acceptable`,
    );
  }
  return { version: msg === PROTO_MSG_V2 ? "2.0" : "1.0", versionHeader };
}
