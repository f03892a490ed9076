/**
 * Which implementation of a range-function kernel the evaluator runs: the WASM port
 * (wasm/mod.ts `WASM_RANGE_KERNELS`, one call into WebAssembly per series per query) by default,
 * the TypeScript kernel (functions/range_kernels.ts, the oracle) where no WASM kernel exists or
 * when the TS backend is selected (tests comparing both).
 */
import { WASM_RANGE_KERNELS } from "../../wasm/mod.ts";
import { RANGE_KERNELS, type RangeKernel } from "./functions/range_kernels.ts";

/** `wasm`: WASM kernels with TS fallback; `ts`: the TypeScript kernels only. */
export type RangeKernelBackend = "wasm" | "ts";

const WASM_OR_TS: Readonly<Record<string, RangeKernel>> = Object.freeze(
  Object.fromEntries(
    Object.entries(RANGE_KERNELS).map(([name, ts]) => [name, WASM_RANGE_KERNELS[name] ?? ts]),
  ),
);

/** Functions in RANGE_KERNELS without a WASM kernel (they run in TypeScript on both backends). */
export const TS_ONLY_RANGE_KERNELS: readonly string[] = Object.freeze(
  Object.keys(RANGE_KERNELS).filter((name) => !WASM_RANGE_KERNELS[name]),
);

let backend: RangeKernelBackend = "wasm";

/** Selects the backend for later queries; returns the previous one. */
export function setRangeKernelBackend(b: RangeKernelBackend): RangeKernelBackend {
  const prev = backend;
  backend = b;
  return prev;
}

/** The kernel for a range function: WASM where ported, else TypeScript; undefined if none. */
export function wasmOrTs(name: string): RangeKernel | undefined {
  return Object.hasOwn(RANGE_KERNELS, name)
    ? (backend === "wasm" ? WASM_OR_TS : RANGE_KERNELS)[name]
    : undefined;
}
