/** CPU time of this process for the bench scripts (a helper module, not a script). */
import { readFileSync } from 'node:fs';

/**
 * CPU ms of this process's main thread (Linux /proc; utime + stime in clock ticks of 10 ms). With the
 * encoder on its own thread, the main thread is the critical path: N / its CPU time is the rate an idle
 * 2-core machine would reach, which the shared machine's wall clock cannot show.
 */
export function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** CPU ms of the whole process, every thread. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
