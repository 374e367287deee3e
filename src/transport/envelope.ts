/**
 * A pino record → upstream's transported envelope (upstream.md §2.2):
 * `{"level", "timestamp", "name", "log_message", "task"?}` in that key order, `task` omitted when the
 * record has none, level names as Python's logging spells them.
 */

export interface Envelope {
  level: string;
  timestamp: string;
  name: string;
  log_message: string;
  task?: unknown;
}

/** The fields of a pino record that the envelope reads (pino's defaults: numeric level, epoch-ms time). */
export interface PinoRecord {
  level: number | string;
  time?: number | string;
  name?: string;
  msg?: string;
  queue?: string;
  task?: unknown;
  [key: string]: unknown;
}

/** pino level number → Python levelname. pino's trace has no Python twin; DEBUG is the nearest. */
export function levelName(level: number | string): string {
  if (typeof level === 'string')
    return level === 'warn' ? 'WARNING' : level === 'fatal' ? 'CRITICAL' : level.toUpperCase();
  if (level >= 60) return 'CRITICAL';
  if (level >= 50) return 'ERROR';
  if (level >= 40) return 'WARNING';
  if (level >= 30) return 'INFO';
  return 'DEBUG';
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * `datetime.fromtimestamp(created).isoformat()`: local time, no UTC offset, microseconds.
 * One deliberate difference: Python drops the `.ffffff` part when the microseconds are exactly 0; this
 * always writes six digits, so that every timestamp has one shape (a reader must accept both anyway).
 */
export function pythonIsoformat(epochMs: number): string {
  const totalUs = Math.round(epochMs * 1000);
  const seconds = Math.floor(totalUs / 1e6);
  const us = totalUs - seconds * 1e6;
  const d = new Date(seconds * 1000);
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(us, 6)}`
  );
}

export function toEnvelope(record: PinoRecord): Envelope {
  const time =
    typeof record.time === 'number' ? record.time : record.time ? Date.parse(record.time) : Date.now();
  const envelope: Envelope = {
    level: levelName(record.level),
    timestamp: pythonIsoformat(time),
    name: record.name ?? '',
    log_message: record.msg ?? '',
  };
  if (record.task !== undefined) envelope.task = record.task;
  return envelope;
}
