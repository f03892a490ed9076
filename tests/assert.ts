/** Minimal assertions for tests (the Deno std assert module is not reachable from npm-only machines). */

/** An assertion that failed in a test. */
export class AssertionError extends Error {
  override name = "AssertionError";
}

/** Throws unless `cond` is truthy. */
export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

/** Deep structural equality for JSON-like values, typed arrays, Maps and Sets. */
export function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !equal(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<unknown>, y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** Throws unless `actual` deeply equals `expected`. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!equal(actual, expected)) {
    throw new AssertionError(
      `${msg ? msg + ": " : ""}values differ\n  actual:   ${fmt(actual)}\n  expected: ${
        fmt(expected)
      }`,
    );
  }
}

/** Throws unless `fn` throws (or rejects) an error of class `cls` whose message includes `includes`. */
export async function assertRejects(
  fn: () => unknown,
  cls?: abstract new (...args: never[]) => Error,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) throw new AssertionError(`expected ${cls.name}, got ${e}`);
    if (includes && !(e as Error).message.includes(includes)) {
      throw new AssertionError(
        `expected message to include ${JSON.stringify(includes)}, got ${
          JSON.stringify((e as Error).message)
        }`,
      );
    }
    return e as Error;
  }
  throw new AssertionError("expected a throw, got none");
}

/** Synchronous form of assertRejects. */
export function assertThrows(
  fn: () => unknown,
  cls?: abstract new (...args: never[]) => Error,
  includes?: string,
): Error {
  try {
    fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) throw new AssertionError(`expected ${cls.name}, got ${e}`);
    if (includes && !(e as Error).message.includes(includes)) {
      throw new AssertionError(
        `expected message to include ${JSON.stringify(includes)}, got ${
          JSON.stringify((e as Error).message)
        }`,
      );
    }
    return e as Error;
  }
  throw new AssertionError("expected a throw, got none");
}

function fmt(v: unknown): string {
  try {
    return Deno.inspect(v, { depth: 6, colors: false });
  } catch {
    return String(v);
  }
}
