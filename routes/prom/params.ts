/**
 * Prometheus HTTP API parameter parsing with Prometheus's exact error texts: times (RFC 3339 or
 * unix seconds), durations (Prometheus duration or float seconds), limits and `match[]`.
 */
import type { Context } from "hono";
import {
  BadDataError,
  MAX_TIME_MS,
  MIN_TIME_MS,
  parseSeriesSelector,
} from "../../engine/prom_api.ts";
import { goQuote, type Matcher } from "../../engine/model/mod.ts";
import { parseDurationMs } from "../../engine/promql/parser/mod.ts";

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const MIN_TIME_FORMATTED = "-292273086-05-16T16:47:06Z";
const MAX_TIME_FORMATTED = "292277025-08-18T07:12:54.999999999Z";
const NS_PER_MS_MAX = 9223372036854.775; // int64 nanoseconds expressed in ms

/** The request's form: URL query plus an urlencoded POST body (body values first, as Go's r.Form). */
export class Form {
  constructor(readonly values: Map<string, string[]>) {}

  /** Reads the URL query and, for POST, the `application/x-www-form-urlencoded` body. */
  static async read(c: Context): Promise<Form> {
    const values = new Map<string, string[]>();
    const add = (params: URLSearchParams) => {
      for (const [k, v] of params) {
        const list = values.get(k);
        if (list) list.push(v);
        else values.set(k, [v]);
      }
    };
    if (c.req.method === "POST") {
      const type = c.req.header("content-type") ?? "";
      if (type.startsWith("application/x-www-form-urlencoded")) {
        add(new URLSearchParams(await c.req.text()));
      }
    }
    add(new URL(c.req.url).searchParams);
    return new Form(values);
  }

  /** First value of `name`, or "" (as Go's FormValue). */
  get(name: string): string {
    return this.values.get(name)?.[0] ?? "";
  }

  /** Every value of `name`. */
  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }
}

/** Prometheus's parseTime: unix seconds (fractions rounded to ms) or RFC 3339; returns ms. */
export function parseTime(s: string): number {
  if (FLOAT_RE.test(s)) {
    const f = Number(s);
    if (Number.isFinite(f)) {
      const sec = Math.trunc(f);
      const ms = sec * 1000 + Math.round((f - sec) * 1000);
      if (Number.isSafeInteger(ms)) return ms;
    }
  }
  if (s === MIN_TIME_FORMATTED) return MIN_TIME_MS;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  if (RFC3339_RE.test(s)) {
    const ms = Date.parse(s);
    if (Number.isFinite(ms)) return ms;
  }
  throw new RangeError(`cannot parse ${goQuote(s)} to a valid timestamp`);
}

/** Prometheus's parseDuration: float seconds or a Prometheus duration; returns ms. */
export function parseDuration(s: string): number {
  if (FLOAT_RE.test(s)) {
    const ms = Number(s) * 1000;
    if (ms >= NS_PER_MS_MAX || ms <= -NS_PER_MS_MAX) {
      throw new RangeError(`cannot parse ${goQuote(s)} to a valid duration. It overflows int64`);
    }
    return Math.round(ms);
  }
  const d = parseDurationMs(s);
  if (!d.ok) throw new RangeError(`cannot parse ${goQuote(s)} to a valid duration`);
  return d.value;
}

/** Parses an optional time parameter (Prometheus's parseTimeParam), or returns `dflt` when absent. */
export function timeParam(form: Form, name: string, dflt: number): number {
  const s = form.get(name);
  if (s === "") return dflt;
  return wrapParam(name, () => {
    try {
      return parseTime(s);
    } catch (e) {
      throw new RangeError(`invalid time value for '${name}': ${(e as Error).message}`);
    }
  });
}

/** Parses an optional duration parameter (undefined when absent). */
export function durationParam(form: Form, name: string): number | undefined {
  const s = form.get(name);
  if (s === "") return undefined;
  return wrapParam(name, () => parseDuration(s));
}

/** Go's strconv.Atoi on a 64-bit platform, with its error texts. */
export function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) {
    throw new RangeError(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  }
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) {
    throw new RangeError(`strconv.Atoi: parsing ${goQuote(s)}: value out of range`);
  }
  return Number(n);
}

/** The `limit` of query, query_range, series, labels and label values (0 = none). */
export function limitParam(form: Form, name = "limit"): number {
  const s = form.get(name);
  if (s === "") return 0;
  return wrapParam(name, () => {
    const n = atoi(s);
    if (n < 0) throw new RangeError("limit must be non-negative");
    return n;
  });
}

/** The metadata endpoint's `limit`/`limit_per_metric`: any integer, -1 when absent. */
export function metadataLimitParam(form: Form, name: string): number {
  const s = form.get(name);
  if (s === "") return -1;
  try {
    return atoi(s);
  } catch {
    throw new BadDataError(`${name} must be a number`);
  }
}

/** Parses every `match[]` into matcher lists, each with at least one non-empty matcher. */
export function matchParam(form: Form): Matcher[][] {
  const raw = form.all("match[]");
  const sets = raw.map((s) => parseSeriesSelector(s));
  for (const ms of sets) {
    if (ms.every((m) => m.matchesEmpty())) {
      throw new BadDataError("match[] must contain at least one non-empty matcher");
    }
  }
  return sets;
}

/** Runs a parser, prefixing its error as Prometheus's invalidParamError does. */
export function wrapParam<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new BadDataError(`invalid parameter ${goQuote(name)}: ${(e as Error).message}`);
  }
}

/**
 * A label name from the label-values path: `U__`-prefixed names are unescaped as Prometheus's
 * value-encoding escaping (`__` is `_`, `_1F600_` is a code point); other names are taken as is.
 */
export function decodeLabelName(raw: string): string {
  let name = raw;
  if (raw.startsWith("U__")) {
    let out = "";
    let ok = true;
    const s = raw.slice(3);
    for (let i = 0; i < s.length && ok; i++) {
      if (s[i] !== "_") {
        out += s[i];
        continue;
      }
      if (s[i + 1] === "_") {
        out += "_";
        i++;
        continue;
      }
      const end = s.indexOf("_", i + 1);
      const hex = end < 0 ? "" : s.slice(i + 1, end);
      const cp = /^[0-9A-Fa-f]+$/.test(hex) ? parseInt(hex, 16) : NaN;
      if (!(cp <= 0x10ffff)) ok = false;
      else {
        out += String.fromCodePoint(cp);
        i = end;
      }
    }
    if (ok) name = out;
  }
  if (name === "" || !isWellFormedUtf16(name)) {
    throw new BadDataError(`invalid label name: ${goQuote(name)}`);
  }
  return name;
}

function isWellFormedUtf16(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}
