/**
 * The ingest entry point between an HTTP body and validation: negotiate, check sizes, snappy
 * decode (declared length checked first), decode protobuf. Pure engine code, no HTTP framework.
 */
import { BodyTooLargeError } from "./errors.ts";
import { type DecodedWrite, RemoteWriteDecoder, type WriteCounts } from "./decoder.ts";
import { DECOMPRESSED_BYTES_MAX, REQUEST_BYTES_MAX } from "./limits.ts";
import { negotiateRemoteWrite, type RemoteWriteProtocol } from "./negotiate.ts";
import { snappyDecodeView } from "./snappy.ts";

/** Options of `decodeRemoteWrite`. */
export interface DecodeRemoteWriteOptions {
  /** The workspace's decoder (owns its label cache); a fresh one when omitted. */
  decoder?: RemoteWriteDecoder;
  /** Compressed body limit in bytes (AMP: 1 MB). */
  requestBytesMax?: number;
  /** Decompressed body limit in bytes. */
  decompressedBytesMax?: number;
}

/** A decoded request plus the negotiated protocol. */
export interface DecodedRemoteWrite extends DecodedWrite {
  protocol: RemoteWriteProtocol;
}

/**
 * Decodes one remote-write HTTP body. Throws only `IngestError` subclasses for bad input:
 * 415 for content type/encoding, 400 for size, snappy and protobuf problems.
 */
export function decodeRemoteWrite(
  body: Uint8Array,
  headers: Headers,
  opts: DecodeRemoteWriteOptions = {},
): DecodedRemoteWrite {
  const protocol = negotiateRemoteWrite(headers);
  const requestMax = opts.requestBytesMax ?? REQUEST_BYTES_MAX;
  if (body.length > requestMax) throw new BodyTooLargeError(body.length, requestMax);
  // A view into the WASM decode buffer: decoding below is synchronous and copies what it keeps.
  const raw = snappyDecodeView(body, opts.decompressedBytesMax ?? DECOMPRESSED_BYTES_MAX);
  const decoder = opts.decoder ?? new RemoteWriteDecoder();
  const decoded = protocol.version === "2.0" ? decoder.decodeV2(raw) : decoder.decodeV1(raw);
  return { ...decoded, protocol };
}

/** Header names of the 2.0 written counts. */
export const WRITTEN_SAMPLES_HEADER = "X-Prometheus-Remote-Write-Samples-Written";
/** Histograms written header. */
export const WRITTEN_HISTOGRAMS_HEADER = "X-Prometheus-Remote-Write-Histograms-Written";
/** Exemplars written header. */
export const WRITTEN_EXEMPLARS_HEADER = "X-Prometheus-Remote-Write-Exemplars-Written";

/**
 * The 2.0 response headers for what was written. Prometheus sets them on every 2.0 answer,
 * errors included (with what was written, 0 for an all-or-nothing rejection); for 1.0 the
 * route sends none.
 */
export function writtenHeaders(counts: WriteCounts): Record<string, string> {
  return {
    [WRITTEN_SAMPLES_HEADER]: String(counts.samples),
    [WRITTEN_HISTOGRAMS_HEADER]: String(counts.histograms),
    [WRITTEN_EXEMPLARS_HEADER]: String(counts.exemplars),
  };
}
