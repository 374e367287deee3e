/** The CLI's own log: pino to stderr, so that stdout stays for data (sub, summaries). */
import pino from 'pino';
import type { LogFn } from '../worker/index.js';

const PINO_LEVELS: Record<string, string> = { warning: 'warn', critical: 'fatal' };

export function createCliLog(level: string, name = 'heroflow'): LogFn {
  const logger = pino({ name, level: PINO_LEVELS[level] ?? level }, pino.destination(2));
  return (lvl, msg, fields) => logger[lvl](fields ?? {}, msg);
}
