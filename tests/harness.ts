/** Test harness: a service on in-memory (or file) KV with the app, and helpers to call it. */
import { Logger, openService, parseConfig, Service } from "../engine/mod.ts";
import { buildApp } from "../routes/mod.ts";

/** A service plus its app, for tests through `app.request()`. */
export interface TestService {
  service: Service;
  app: ReturnType<typeof buildApp>;
  /** Calls the app with a JSON body (if any) and returns status, headers and parsed JSON (or text). */
  call(
    method: string,
    path: string,
    body?: unknown,
    // deno-lint-ignore no-explicit-any -- parsed JSON of any shape
  ): Promise<{ status: number; headers: Headers; json: any }>;
  close(): Promise<void>;
}

/** Starts a service on `dataPath` (default in-memory) with quiet logs and returns it ready. */
export async function testService(
  opts: { dataPath?: string; env?: Record<string, string>; transitionDelayMs?: number } = {},
): Promise<TestService> {
  const config = parseConfig([], { PROMENADE_DATA: opts.dataPath ?? ":memory:", ...opts.env });
  const service = await openService(config, {
    log: new Logger("error", {}, () => {}),
    transitionDelayMs: opts.transitionDelayMs,
  });
  await service.recover();
  const app = buildApp(service);
  return {
    service,
    app,
    async call(method, path, body) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = typeof body === "string" ? body : JSON.stringify(body);
        init.headers = { "content-type": "application/json" };
      }
      const res = await app.request(path, init);
      const text = await res.text();
      let json: unknown = text;
      try {
        json = text === "" ? undefined : JSON.parse(text);
      } catch {
        // keep text
      }
      return { status: res.status, headers: res.headers, json };
    },
    close: () => service.close(),
  };
}

/** Returns a free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** True when `cmd` runs (is installed). */
export async function hasCommand(cmd: string, args: string[] = ["--version"]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}
