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
import type { Matcher } from "../../engine/model/mod.ts";
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

/** Parses a time parameter, or returns `dflt` when absent. */
export function timeParam(form: Form, name: string, dflt: number): number {
  const s = form.get(name);
  if (s === "") return dflt;
  return wrapParam(name, () => parseTime(s));
}

/** Parses an optional duration parameter (undefined when absent). */
export function durationParam(form: Form, name: string): number | undefined {
  const s = form.get(name);
  if (s === "") return undefined;
  return wrapParam(name, () => parseDuration(s));
}

/** Parses `limit`-style parameters: "" → dflt; integers; negative rejected unless allowed. */
export function limitParam(form: Form, name: string, dflt: number, allowNegative = false): number {
  const s = form.get(name);
  if (s === "") return dflt;
  if (!/^[+-]?\d+$/.test(s)) {
    throw new BadDataError(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  }
  const n = Number(s);
  if (n < 0 && !allowNegative) throw new BadDataError(`${name} must be non-negative`);
  return n;
}

/** Parses every `match[]` into matcher lists; `required` makes an empty list an error. */
export function matchParam(form: Form, required: boolean): Matcher[][] {
  const raw = form.all("match[]");
  if (raw.length === 0 && required) throw new BadDataError("no match[] parameter provided");
  return raw.map((s) => parseSeriesSelector(s));
}

/** Runs a parser, prefixing its error as Prometheus's invalidParamError does. */
export function wrapParam<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new BadDataError(`invalid parameter ${goQuote(name)}: ${(e as Error).message}`);
  }
}

/** Go's %q for the ASCII strings these messages carry. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
