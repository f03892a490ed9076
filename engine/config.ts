/**
 * Service configuration from command-line flags and environment variables. A flag wins over its
 * environment variable, which wins over the default. Every option is listed in OPTIONS, which also
 * renders `--help` and the README table.
 */
import { isLogLevel, type LogLevel } from "./log.ts";
import { WORKSPACES_MAX_DEFAULT } from "./limits.ts";

/** The resolved configuration. */
export interface Config {
  /** Address to listen on. */
  listenHost: string;
  /** Port to listen on (0 picks a free port). */
  listenPort: number;
  /** Deno KV path (a SQLite file), or ":memory:". */
  dataPath: string;
  /** AWS region reported in ARNs and accepted in SigV4 scopes. */
  region: string;
  /** 12-digit account id reported in ARNs. */
  accountId: string;
  /** Per-account workspace quota. */
  workspacesMax: number;
  /** Minimum level of log lines written. */
  logLevel: LogLevel;
  /** External base URL of this server (for prometheusEndpoint); derived from requests when empty. */
  publicUrl: string;
  /** Samples older than this are rejected (AMP: 1 h); 0 disables the check (backfill, tests). */
  sampleAgeMaxMs: number;
  /** Out-of-order window (AMP: 600 s). */
  oooWindowMs: number;
  /** Per-workspace ingestion rate, samples/s (token bucket refill). */
  ingestionRate: number;
  /** Per-workspace ingestion burst, samples (token bucket capacity). */
  ingestionBurst: number;
  /** Per-workspace active series limit (0 = none). */
  activeSeriesMax: number;
  /** Per-workspace QueryMetrics requests per second (AMP: 300). */
  queryTps: number;
  /** Per-workspace series/labels/metadata requests per second (AMP: 10). */
  metadataTps: number;
  /** Default query timeout. */
  queryTimeoutMs: number;
}

/** A configuration value that cannot be used. */
export class ConfigError extends RangeError {
  override name = "ConfigError";
}

interface Option {
  flag: string;
  env: string;
  default: string;
  help: string;
  apply(c: Config, v: string): void;
}

/** Every option: flag, environment variable, default and meaning. */
export const OPTIONS: readonly Option[] = [
  {
    flag: "listen",
    env: "PROMENADE_LISTEN",
    default: "127.0.0.1:9009",
    help: "host:port to serve HTTP on",
    apply(c, v) {
      const m = /^(.*):(\d{1,5})$/.exec(v);
      if (!m || Number(m[2]) > 65535) {
        throw new ConfigError(`invalid listen address ${JSON.stringify(v)}: want host:port`);
      }
      c.listenHost = m[1].replace(/^\[(.*)\]$/, "$1") || "0.0.0.0";
      c.listenPort = Number(m[2]);
    },
  },
  {
    flag: "data",
    env: "PROMENADE_DATA",
    default: "data/promenade.kv",
    help: 'Deno KV path (SQLite file) or ":memory:"',
    apply(c, v) {
      if (v === "") throw new ConfigError("data path must not be empty");
      c.dataPath = v;
    },
  },
  {
    flag: "region",
    env: "PROMENADE_REGION",
    default: "us-east-1",
    help: "AWS region used in ARNs",
    apply(c, v) {
      if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(v)) {
        throw new ConfigError(`invalid region ${JSON.stringify(v)}`);
      }
      c.region = v;
    },
  },
  {
    flag: "account-id",
    env: "PROMENADE_ACCOUNT_ID",
    default: "123456789012",
    help: "12-digit AWS account id used in ARNs",
    apply(c, v) {
      if (!/^\d{12}$/.test(v)) {
        throw new ConfigError(`invalid account id ${JSON.stringify(v)}: want 12 digits`);
      }
      c.accountId = v;
    },
  },
  {
    flag: "workspaces-max",
    env: "PROMENADE_WORKSPACES_MAX",
    default: String(WORKSPACES_MAX_DEFAULT),
    help: "per-account workspace quota",
    apply(c, v) {
      c.workspacesMax = positiveInt("workspaces-max", v);
    },
  },
  {
    flag: "log-level",
    env: "PROMENADE_LOG_LEVEL",
    default: "info",
    help: "debug, info, warn or error",
    apply(c, v) {
      if (!isLogLevel(v)) {
        throw new ConfigError(
          `invalid log level ${JSON.stringify(v)}: want debug, info, warn or error`,
        );
      }
      c.logLevel = v;
    },
  },
  {
    flag: "public-url",
    env: "PROMENADE_PUBLIC_URL",
    default: "",
    help: "external base URL (e.g. https://metrics.example.com); default: from each request",
    apply(c, v) {
      if (v !== "" && !/^https?:\/\/[^/]+/.test(v)) {
        throw new ConfigError(`invalid public url ${JSON.stringify(v)}`);
      }
      c.publicUrl = v.replace(/\/+$/, "");
    },
  },
  {
    flag: "sample-age-max",
    env: "PROMENADE_SAMPLE_AGE_MAX",
    default: "3600",
    help: "reject samples older than this many seconds (AMP: 3600); 0 disables the check",
    apply(c, v) {
      c.sampleAgeMaxMs = nonNegative("sample-age-max", v) * 1000;
    },
  },
  {
    flag: "ooo-window",
    env: "PROMENADE_OOO_WINDOW",
    default: "600",
    help: "accept out-of-order samples up to this many seconds old (AMP: 600)",
    apply(c, v) {
      c.oooWindowMs = nonNegative("ooo-window", v) * 1000;
    },
  },
  {
    flag: "ingestion-rate",
    env: "PROMENADE_INGESTION_RATE",
    default: "1666666",
    help: "per-workspace ingestion rate in samples/s (token bucket refill)",
    apply(c, v) {
      c.ingestionRate = positiveInt("ingestion-rate", v);
    },
  },
  {
    flag: "ingestion-burst",
    env: "PROMENADE_INGESTION_BURST",
    default: "1000000",
    help: "per-workspace ingestion burst in samples (token bucket capacity)",
    apply(c, v) {
      c.ingestionBurst = positiveInt("ingestion-burst", v);
    },
  },
  {
    flag: "active-series-max",
    env: "PROMENADE_ACTIVE_SERIES_MAX",
    default: "50000000",
    help: "per-workspace active series limit (0 = none)",
    apply(c, v) {
      c.activeSeriesMax = nonNegative("active-series-max", v);
    },
  },
  {
    flag: "query-tps",
    env: "PROMENADE_QUERY_TPS",
    default: "300",
    help: "per-workspace query requests per second (AMP QueryMetrics: 300)",
    apply(c, v) {
      c.queryTps = positiveInt("query-tps", v);
    },
  },
  {
    flag: "metadata-tps",
    env: "PROMENADE_METADATA_TPS",
    default: "10",
    help: "per-workspace series/labels/metadata requests per second (AMP: 10)",
    apply(c, v) {
      c.metadataTps = positiveInt("metadata-tps", v);
    },
  },
  {
    flag: "query-timeout",
    env: "PROMENADE_QUERY_TIMEOUT",
    default: "120",
    help: "default query timeout in seconds",
    apply(c, v) {
      c.queryTimeoutMs = positiveInt("query-timeout", v) * 1000;
    },
  },
];

/** Parses flags (`--name=value` or `--name value`) and environment into a Config. */
export function parseConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Config {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new ConfigError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf("=");
    let name: string, value: string;
    if (eq >= 0) {
      name = a.slice(2, eq);
      value = a.slice(eq + 1);
    } else {
      name = a.slice(2);
      if (i + 1 >= args.length) throw new ConfigError(`flag --${name} needs a value`);
      value = args[++i];
    }
    if (!OPTIONS.some((o) => o.flag === name)) throw new ConfigError(`unknown flag --${name}`);
    flags.set(name, value);
  }
  const c = {} as Config;
  for (const o of OPTIONS) o.apply(c, flags.get(o.flag) ?? env[o.env] ?? o.default);
  return c;
}

/** The `--help` text. */
export function usage(): string {
  const lines = ["Usage: promenade [flags]", ""];
  for (const o of OPTIONS) {
    lines.push(
      `  --${o.flag} (env ${o.env}, default ${JSON.stringify(o.default)})`,
      `      ${o.help}`,
    );
  }
  return lines.join("\n");
}

function nonNegative(name: string, v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new ConfigError(`invalid ${name} ${JSON.stringify(v)}: want a non-negative integer`);
  }
  return Number(v);
}

function positiveInt(name: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw new ConfigError(`invalid ${name} ${JSON.stringify(v)}: want a positive integer`);
  }
  return Number(v);
}
