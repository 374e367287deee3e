/** CPU time of this process, and of others, for the bench scripts (a helper module, not a script). */
import { readFileSync } from 'node:fs';

/** utime + stime of a /proc `stat` file in ms (clock ticks of 10 ms), or NaN when it cannot be read. */
function statCpuMs(file: string): number {
  try {
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU ms of this process's main thread (Linux /proc). With the encoder on its own thread, the main thread
 * is the critical path: N / its CPU time is the rate an idle 2-core machine would reach, which the shared
 * machine's wall clock cannot show.
 */
export function mainThreadCpuMs(): number {
  return statCpuMs(`/proc/self/task/${process.pid}/stat`);
}

/** CPU ms of the whole process, every thread. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU seconds (user + sys, every thread) another process has used so far, or NaN when it cannot be read. */
export function pidCpuSeconds(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`) / 1000;
}
