/**
 * Process figures from /proc for the benchmarks: CPU seconds (utime + stime) and status lines
 * (VmRSS, VmHWM). `proc` is a pid, `"self"`, or a thread path such as `self/task/<tid>`.
 */

/** Clock ticks per second of /proc CPU times (`getconf CLK_TCK`, 100 when unknown). */
export const clkTck: number = await (async () => {
  try {
    const out = await new Deno.Command("getconf", { args: ["CLK_TCK"] }).output();
    return Number(new TextDecoder().decode(out.stdout).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds of a process or thread. */
export function cpuSeconds(proc: number | string = "self"): number {
  const stat = Deno.readTextFileSync(`/proc/${proc}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
  return (Number(f[14 - 3]) + Number(f[15 - 3])) / clkTck;
}

/** A `kB` line of /proc/<proc>/status (e.g. `VmRSS`, `VmHWM`), in KiB; NaN when absent. */
export function statusKiB(proc: number | string, key: string): number {
  const m = Deno.readTextFileSync(`/proc/${proc}/status`).match(
    new RegExp(`^${key}:\\s+(\\d+) kB`, "m"),
  );
  return m ? Number(m[1]) : NaN;
}
