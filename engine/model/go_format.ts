/**
 * Go-compatible quoting (`strconv.Quote`, `%q` on runes, `%#U`) and float formatting
 * (`strconv.FormatFloat` 'f'/'g'/'e' shortest, `%v`, `%f`), so error messages, annotations,
 * printed expressions and API values match Prometheus and Cortex byte for byte. The one copy in
 * the project: every layer imports it from here.
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function isPrint(ch: string): boolean {
  return PRINTABLE.test(ch);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

function escapeRune(ch: string, quote: string): string {
  const cp = ch.codePointAt(0)!;
  if (ch === quote || ch === "\\") return "\\" + ch;
  // Lone surrogates U+DC80..U+DCFF stand for invalid UTF-8 bytes (see unquoteString): Go prints
  // such a byte as \xNN. Other lone surrogates and U+FFFD print as the replacement character.
  if (cp >= 0xdc80 && cp <= 0xdcff) return "\\x" + hex(cp - 0xdc00, 2);
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp === 0xfffd) return "\\ufffd";
  if (isPrint(ch)) return ch;
  switch (ch) {
    case "\x07":
      return "\\a";
    case "\b":
      return "\\b";
    case "\f":
      return "\\f";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    case "\v":
      return "\\v";
  }
  if (cp < 0x20 || cp === 0x7f) return "\\x" + hex(cp, 2);
  if (cp > 0xffff) return "\\U" + hex(cp, 8);
  return "\\u" + hex(cp, 4);
}

/**
 * Go `strconv.Quote`: a double-quoted string with Go escapes. Lone surrogates U+DC80..U+DCFF (how
 * the parser keeps invalid UTF-8 bytes of string literals) print as `\xNN`, as Go prints the byte.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch, '"');
  return out + '"';
}

/** Go `%.Nq`: quote the first `n` runes of `s`. */
export function goQuoteMax(s: string, n: number): string {
  return goQuote(Array.from(s).slice(0, n).join(""));
}

/** Go `%q` on a rune: `'x'`. `ch` is "" for end of input (Go's -1 rune). */
export function goQuoteRune(ch: string): string {
  if (ch === "") return "'\uFFFD'"; // Go formats the end-of-input rune (-1) as RuneError
  return "'" + escapeRune(ch, "'") + "'";
}

/** Go `%#U` on a rune: `U+0063 'c'`. */
export function goRuneU(ch: string): string {
  if (ch === "") return "U+FFFFFFFFFFFFFFFF";
  const cp = ch.codePointAt(0)!;
  const u = "U+" + cp.toString(16).toUpperCase().padStart(4, "0");
  return isPrint(ch) ? `${u} '${ch}'` : u;
}

/** Decimal digits and exponent of the shortest round-trip representation of |v| (v finite, != 0). */
function shortestDigits(v: number): { digits: string; exp: number } {
  // toExponential() without argument yields the shortest round-trip digits.
  const [mant, e] = Math.abs(v).toExponential().split("e");
  return { digits: mant.replace(".", ""), exp: Number(e) };
}

/** Go `strconv.FormatFloat(v, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const sign = v < 0 ? "-" : "";
  const { digits, exp } = shortestDigits(v);
  const pointAt = exp + 1; // digits before the decimal point
  if (pointAt <= 0) return `${sign}0.${"0".repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return sign + digits + "0".repeat(pointAt - digits.length);
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/** Shortest digits with Go's exponent form (`1.5e-07`, `1e+21`); v finite and != 0. */
function exponentForm(v: number, digits: string, exp: number): string {
  const sign = v < 0 ? "-" : "";
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const es = exp < 0 ? "-" : "+";
  return `${sign}${mant}e${es}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** Go `strconv.FormatFloat(v, fmt, -1, 64)` choosing 'e' when exp < -4 or exp >= `eAt`. */
function formatFloatShortest(v: number, eAt: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const { digits, exp } = shortestDigits(v);
  if (exp < -4 || exp >= eAt) return exponentForm(v, digits, exp);
  return formatFloatF(v);
}

/** Go `%v` on a float64 (`%g` shortest, exponent when exp < -4 or exp >= 21). */
export function formatFloatV(v: number): string {
  return formatFloatShortest(v, 21);
}

/** Go `strconv.FormatFloat(v, 'g', -1, 64)` (`%g`): exponent when exp < -4 or exp >= 6. */
export function formatFloatG(v: number): string {
  return formatFloatShortest(v, 6);
}

/** Go `strconv.FormatFloat(v, 'e', -1, 64)`: always the exponent form, e.g. `1e+21`. */
export function formatFloatE(v: number): string {
  if (!Number.isFinite(v)) return formatFloatF(v);
  if (v === 0) return Object.is(v, -0) ? "-0e+00" : "0e+00";
  const { digits, exp } = shortestDigits(v);
  return exponentForm(v, digits, exp);
}

/** Go `%f` (6 decimals) including +Inf/-Inf/NaN. */
export function formatFloat6(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (Math.abs(v) < 1e21) return v.toFixed(6);
  const sign = v < 0 ? "-" : "";
  return `${sign}${BigInt(Math.abs(v)).toString()}.000000`;
}
