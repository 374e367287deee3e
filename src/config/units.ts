/** Human units for durations and sizes in flags and env ("10s", "250ms", "64MiB"). */

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

function parseWithUnits(text: string, units: Record<string, number>, bareUnit: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const factor = units[(m[2] || bareUnit).toLowerCase()];
  return factor === undefined ? undefined : Math.round(Number(m[1]) * factor);
}

/** Milliseconds from "250ms", "10s", "5m", "1h"; a bare number is seconds (as upstream's env vars are). */
export function parseDurationMs(text: string): number | undefined {
  return parseWithUnits(text, DURATION_UNITS, 's');
}

/** Bytes from "512", "64KiB", "64MiB", "1GB". */
export function parseBytes(text: string): number | undefined {
  return parseWithUnits(text, SIZE_UNITS, 'b');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
