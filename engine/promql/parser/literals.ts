/**
 * Literal decoding with Go/Prometheus semantics: numbers (`strconv.ParseInt(s, 0, 64)` then
 * `ParseFloat`), durations (`model.ParseDuration`, `model.Duration.String()`), and quoted strings
 * (`strutil.Unquote`). Errors are returned as Prometheus's message text.
 */

import { goQuote } from "../../model/go_format.ts";

/** Result of decoding: a value or Prometheus's error text. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; err: string };

const INT_DEC = /^[1-9](?:_?[0-9])*$/;
const INT_OCT = /^0(?:_?[0-7])*$/;
const INT_OCT_O = /^0[oO]_?[0-7](?:_?[0-7])*$/;
const INT_HEX = /^0[xX]_?[0-9a-fA-F](?:_?[0-9a-fA-F])*$/;
const INT_BIN = /^0[bB]_?[01](?:_?[01])*$/;
const FLOAT_DEC =
  /^(?:[0-9](?:_?[0-9])*)?(?:\.(?:[0-9](?:_?[0-9])*)?)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
const INT64_MAX = 9223372036854775807n;

function parseGoInt(s: string): bigint | undefined {
  let body = s;
  let prefix = "";
  if (INT_HEX.test(s)) prefix = "0x";
  else if (INT_OCT_O.test(s)) prefix = "0o";
  else if (INT_BIN.test(s)) prefix = "0b";
  else if (INT_DEC.test(s)) prefix = "";
  else if (INT_OCT.test(s)) {
    body = s.replaceAll("_", "");
    return body.length <= 1 ? 0n : BigInt("0o" + body.slice(1));
  } else return undefined;
  body = s.replaceAll("_", "");
  if (prefix) body = prefix + body.slice(2);
  const v = BigInt(body);
  return v > INT64_MAX ? undefined : v;
}

/** Decodes a NUMBER token as Prometheus's parser does. */
export function decodeNumber(s: string): Decoded<number> {
  const i = parseGoInt(s);
  if (i !== undefined) return { ok: true, value: Number(i) };
  const lower = s.toLowerCase();
  if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") {
    return { ok: true, value: Infinity };
  }
  if (lower === "-inf" || lower === "-infinity") return { ok: true, value: -Infinity };
  if (lower === "nan") return { ok: true, value: NaN };
  if (s === "" || s === "." || !FLOAT_DEC.test(s) || !/[0-9]/.test(s)) {
    return {
      ok: false,
      err: `error parsing number: strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax`,
    };
  }
  const v = Number(s.replaceAll("_", ""));
  if (!Number.isFinite(v)) {
    return {
      ok: false,
      err: `error parsing number: strconv.ParseFloat: parsing ${goQuote(s)}: value out of range`,
    };
  }
  return { ok: true, value: v };
}

const UNITS: ReadonlyArray<[string, number]> = [
  ["y", 365 * 24 * 3600_000],
  ["w", 7 * 24 * 3600_000],
  ["d", 24 * 3600_000],
  ["h", 3600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];
const UNIT_INDEX = new Map(UNITS.map(([u], i) => [u, i]));
const MAX_DURATION_MS = 9223372036854; // (2^63-1) ns in ms, floor

/** `model.ParseDuration`: `1h30m`, `5m`, `0`; returns integer milliseconds. */
export function parseDurationMs(s: string): Decoded<number> {
  if (s === "0") return { ok: true, value: 0 };
  if (s === "") return { ok: false, err: "empty duration string" };
  const invalid = { ok: false as const, err: `not a valid duration string: ${goQuote(s)}` };
  let rest = s;
  let total = 0n;
  let last = -1;
  while (rest !== "") {
    const m = /^([0-9]+)([^0-9]*)/.exec(rest);
    if (!m) return invalid;
    const [all, digits, unit] = m;
    if (unit === "") return invalid;
    const idx = UNIT_INDEX.get(unit);
    if (idx === undefined) {
      return { ok: false, err: `unknown unit ${goQuote(unit)} in duration ${goQuote(s)}` };
    }
    if (idx <= last) return invalid;
    last = idx;
    const v = BigInt(digits);
    const mult = BigInt(UNITS[idx][1]);
    if (v > BigInt(MAX_DURATION_MS) / mult) return { ok: false, err: "duration out of range" };
    total += v * mult;
    if (total > BigInt(MAX_DURATION_MS)) return { ok: false, err: "duration out of range" };
    rest = rest.slice(all.length);
  }
  return { ok: true, value: Number(total) };
}

/** `model.Duration.String()` for integer milliseconds (>= 0): `1h30m`, `0s`, `90d` not `12w6d`. */
export function formatDurationMs(ms: number): string {
  let left = Math.trunc(ms);
  if (left === 0) return "0s";
  let out = "";
  for (let i = 0; i < UNITS.length; i++) {
    const [unit, mult] = UNITS[i];
    const exact = unit === "y" || unit === "w";
    if (exact && left % mult !== 0) continue;
    const v = Math.floor(left / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      left -= v * mult;
    }
  }
  return out;
}

/**
 * `strutil.Unquote` for a lexed STRING token (quotes included). The lexer already validated the
 * escapes, so this only decodes. Byte escapes (`\xff`, `\377`) form UTF-8 with the other bytes;
 * bytes that are not valid UTF-8 become lone surrogates U+DC80..U+DCFF ("surrogateescape"), so
 * the text stays distinguishable from valid text (`isWellFormed()` is false) and `goQuote` prints
 * them back as `\xNN` exactly as Go does.
 */
export function unquoteString(tok: string): string {
  const q = tok[0];
  const body = tok.slice(1, -1);
  if (q === "`") return body;
  if (!body.includes("\\")) return body;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  const pushStr = (s: string) => {
    for (const b of enc.encode(s)) bytes.push(b);
  };
  for (let i = 0; i < body.length;) {
    const c = body[i];
    if (c !== "\\") {
      const cp = body.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      pushStr(body.slice(i, i + w));
      i += w;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    switch (e) {
      case "a":
        bytes.push(7);
        break;
      case "b":
        bytes.push(8);
        break;
      case "f":
        bytes.push(12);
        break;
      case "n":
        bytes.push(10);
        break;
      case "r":
        bytes.push(13);
        break;
      case "t":
        bytes.push(9);
        break;
      case "v":
        bytes.push(11);
        break;
      case "x":
        bytes.push(parseInt(body.slice(i, i + 2), 16));
        i += 2;
        break;
      case "u":
        pushStr(String.fromCodePoint(parseInt(body.slice(i, i + 4), 16)));
        i += 4;
        break;
      case "U":
        pushStr(String.fromCodePoint(parseInt(body.slice(i, i + 8), 16)));
        i += 8;
        break;
      default:
        if (e >= "0" && e <= "7") {
          bytes.push(parseInt(body.slice(i - 1, i + 2), 8) & 0xff);
          i += 2;
        } else {
          pushStr(e); // \\, \", \'
        }
    }
  }
  return decodeUtf8Escaped(bytes);
}

/** UTF-8 decoding that maps each byte of an invalid sequence to U+DC00 + byte. */
export function decodeUtf8Escaped(bytes: readonly number[]): string {
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    let len = 0, lo = 0x80, hi = 0xbf, cp = 0;
    if (b >= 0xc2 && b <= 0xdf) (len = 2), (cp = b & 0x1f);
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3, cp = b & 0x0f;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4, cp = b & 0x07;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    }
    let ok = len > 0 && i + len <= bytes.length;
    for (let k = 1; ok && k < len; k++) {
      const c = bytes[i + k];
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (!ok) {
      out += String.fromCharCode(0xdc00 + b);
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += len;
  }
  return out;
}
