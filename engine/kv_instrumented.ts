/** Wraps a Deno.Kv so every operation is counted in the self metrics, without changing behaviour. */
import type { SelfMetrics } from "./self_metrics.ts";

const COUNTED = new Set(["get", "getMany", "list", "set", "delete", "sum", "enqueue", "watch"]);

/** Returns a Deno.Kv proxy counting operations in `metrics.kvOps` (atomic commits as "commit"). */
export function instrumentKv(kv: Deno.Kv, metrics: SelfMetrics): Deno.Kv {
  return new Proxy(kv, {
    get(target, prop, _receiver) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "atomic") {
        return () => instrumentAtomic(target.atomic(), metrics);
      }
      if (typeof prop === "string" && COUNTED.has(prop)) {
        return (...args: unknown[]) => {
          metrics.kvOps.inc([prop]);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
}

function instrumentAtomic(op: Deno.AtomicOperation, metrics: SelfMetrics): Deno.AtomicOperation {
  const commit = op.commit.bind(op);
  op.commit = async () => {
    metrics.kvOps.inc(["commit"]);
    const res = await commit();
    if (!res.ok) metrics.kvCommitConflicts.inc();
    return res;
  };
  return op;
}
