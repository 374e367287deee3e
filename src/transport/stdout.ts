/**
 * The console side of upstream's logging: `base_handler`, a StreamHandler with the format
 * `%(asctime)s - %(name)s - %(levelname)s - %(message)s` (asctime = local `YYYY-MM-DD HH:MM:SS,mmm`).
 * heroflow writes that format by default so that `LOGGER_MODULE=default` output reads like upstream's;
 * `format: 'json'` passes pino's JSON lines through instead (for machines).
 */
import { levelName, type PinoRecord } from './envelope.js';

export type StdoutFormat = 'upstream' | 'json';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function pythonAsctime(epochMs: number): string {
  const d = new Date(Math.floor(epochMs));
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`
  );
}

export function formatUpstreamLine(record: PinoRecord): string {
  const time = typeof record.time === 'number' ? record.time : Date.now();
  return `${pythonAsctime(time)} - ${record.name ?? ''} - ${levelName(record.level)} - ${record.msg ?? ''}\n`;
}

export function createStdoutDestination(
  out: { write(text: string): unknown } = process.stdout,
  format: StdoutFormat = 'upstream',
): { write(line: string): boolean } {
  return {
    write(line) {
      out.write(format === 'json' ? line : formatUpstreamLine(JSON.parse(line) as PinoRecord));
      return true;
    },
  };
}
