/**
 * Go-compatible float formatting for user-visible strings: `%g`/`%v` (strconv 'g', -1) and
 * strconv 'f', -1. JS `String(x)` differs from Go for exponents and for large integers.
 */

/** Go's `strconv.FormatFloat(f, 'g', -1, 64)`, as `%g` and `%v` print a float64. */
export function formatFloatG(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const exp = f.toExponential(); // shortest round-trip digits, e.g. "1.5e-7"
  const [mant, e] = exp.split("e");
  const x = Number(e);
  // With shortest formatting Go uses %e when the exponent is < -4 or >= 6.
  if (x < -4 || x >= 6) return goExp(mant, x);
  return formatFloatF(f);
}

function goExp(mant: string, x: number): string {
  const sign = x < 0 ? "-" : "+";
  const ax = Math.abs(x);
  return `${mant}e${sign}${ax < 10 ? "0" : ""}${ax}`;
}

/** Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatFloatF(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  const s = String(f);
  if (!s.includes("e")) return s;
  const neg = f < 0;
  const [mant, e] = (neg ? s.slice(1) : s).split("e");
  const x = Number(e);
  const [ip, fp = ""] = mant.split(".");
  const digits = ip + fp;
  const point = ip.length + x;
  let out: string;
  if (point <= 0) out = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = digits.slice(0, point) + "." + digits.slice(point);
  return (neg ? "-" : "") + out;
}
