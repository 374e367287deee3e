/**
 * CPU and memory of the processes of a run, sampled once a second from /proc (Linux): the bench process
 * (producers, and the in-process parts), every worker process, and the broker's server when its pid is
 * known. CPU is in percent of one core, so 2 cores make 200 %.
 */
import { readFileSync } from 'node:fs';

export interface ProcessSeries {
  label: string;
  /** Percent of one core, per sample. */
  cpu: number[];
  /** Resident set, MiB, per sample. */
  rssMiB: number[];
}

export interface ProcessSummary {
  label: string;
  meanCpu: number;
  maxCpu: number;
  maxRssMiB: number;
}

/** Clock ticks per second of /proc/<pid>/stat: 100 on every Linux the bench targets (getconf CLK_TCK). */
const TICKS = 100;

/** CPU seconds (user + system, every thread) a process has used so far; undefined once it is gone. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

function procRssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface Tracked {
  series: ProcessSeries;
  read: () => { cpuSeconds?: number; rss?: number };
  lastCpu?: number;
}

export class ResourceSampler {
  readonly #tracked = new Map<string, Tracked>();
  #timer: NodeJS.Timeout | undefined;
  #lastAt = performance.now();

  constructor(intervalMs = 1000) {
    this.#track('bench process', () => {
      const u = process.cpuUsage();
      return { cpuSeconds: (u.user + u.system) / 1e6, rss: process.memoryUsage().rss / 2 ** 20 };
    });
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Follow another process from now on (a worker, the broker's server); a label is sampled once. */
  addPid(label: string, pid: number): void {
    if (this.#tracked.has(label)) return;
    this.#track(label, () => ({ cpuSeconds: procCpuSeconds(pid), rss: procRssMiB(pid) }));
  }

  #track(label: string, read: Tracked['read']): void {
    const t: Tracked = { series: { label, cpu: [], rssMiB: [] }, read };
    t.lastCpu = read().cpuSeconds;
    this.#tracked.set(label, t);
  }

  sample(): void {
    const now = performance.now();
    const dt = (now - this.#lastAt) / 1000;
    this.#lastAt = now;
    for (const t of this.#tracked.values()) {
      const { cpuSeconds, rss } = t.read();
      // A process that has exited stops adding samples; one not yet sampled starts at its next.
      if (cpuSeconds === undefined || rss === undefined) continue;
      if (t.lastCpu !== undefined && dt > 0.2) {
        t.series.cpu.push(Math.round(((cpuSeconds - t.lastCpu) / dt) * 1000) / 10);
        t.series.rssMiB.push(Math.round(rss * 10) / 10);
      }
      t.lastCpu = cpuSeconds;
    }
  }

  stop(): { series: ProcessSeries[]; summary: ProcessSummary[] } {
    clearInterval(this.#timer);
    this.sample();
    const series = [...this.#tracked.values()].map((t) => t.series);
    return {
      series,
      summary: series.map((s) => ({
        label: s.label,
        meanCpu: s.cpu.length ? Math.round((s.cpu.reduce((a, b) => a + b, 0) / s.cpu.length) * 10) / 10 : 0,
        maxCpu: s.cpu.length ? Math.max(...s.cpu) : 0,
        maxRssMiB: s.rssMiB.length ? Math.max(...s.rssMiB) : 0,
      })),
    };
  }
}
