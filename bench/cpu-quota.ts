/**
 * A CPU budget for one bench process: a cgroup of its own whose CFS quota is `cores` cores (a helper
 * module, not a script). `taskset` holds a process to whole cores and leaves the broker on the same ones;
 * a quota gives each worker a share and leaves the rest of the machine to the broker, so "2 workers ÷ 1
 * worker" measures the group, not the broker's leftovers.
 *
 * Needs write access to a cgroup CPU controller (root on cgroup v1's `/sys/fs/cgroup/cpu`, or cgroup v2
 * with `cpu` delegated); `cpuQuota` says why not otherwise.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface CpuQuota {
  /** The command and arguments that run `cmd argv` inside the cgroup (a shell joins it, then execs). */
  wrap(cmd: string, argv: string[]): [string, string[]];
  /** Removes the cgroup; call after its process exited. */
  remove(): void;
}

const PERIOD_US = 100_000;

/** Where a CPU quota can be set, and how: cgroup v2 (`cpu.max`) or v1 (`cpu.cfs_quota_us`). */
function controller(): { root: string; v2: boolean } | string {
  const v2Root = '/sys/fs/cgroup';
  try {
    if (readFileSync(path.join(v2Root, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu'))
      return { root: v2Root, v2: true };
  } catch {}
  const v1Root = '/sys/fs/cgroup/cpu';
  if (existsSync(path.join(v1Root, 'cpu.cfs_quota_us'))) return { root: v1Root, v2: false };
  return 'no cgroup CPU controller at /sys/fs/cgroup (v2 with cpu, or v1 cpu/)';
}

/** A cgroup named `name` holding its processes to `cores` cores, or the reason it cannot be made. */
export function cpuQuota(name: string, cores: number): CpuQuota | string {
  const where = controller();
  if (typeof where === 'string') return where;
  const dir = path.join(where.root, name);
  const quota = Math.round(cores * PERIOD_US);
  try {
    mkdirSync(dir);
    if (where.v2) writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
    else {
      writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota));
    }
  } catch (err) {
    try {
      rmdirSync(dir);
    } catch {}
    return `cannot set a CPU quota in ${dir} (${(err as Error).message.split('\n')[0]}); run as root`;
  }
  const procs = path.join(dir, 'cgroup.procs');
  return {
    wrap: (cmd, argv) => ['sh', ['-c', 'echo $$ > "$0" && exec "$@"', procs, cmd, ...argv]],
    remove: () => rmdirSync(dir),
  };
}
