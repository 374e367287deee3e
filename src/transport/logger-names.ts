/**
 * The LOGGER_MODULE pattern (upstream.md §1.8, §2.1): each simulator module logs through a logger named
 * `<LOGGER_MODULE>.<module>` and passes `queue` = the module name (without the prefix) on the records
 * that are to be transported; the queue is the destination topic.
 */
import type { Logger } from 'pino';

export const QUEUE_LOBBY = 'lib.server.lobby';
export const QUEUE_GAME = 'lib.server.game';
export const QUEUE_CLIENT = 'client.__main__';
export const UPSTREAM_QUEUES = [QUEUE_LOBBY, QUEUE_GAME, QUEUE_CLIENT] as const;

/** `default` selects stdout only, as upstream's `lib/utils/loggers/default.py`. */
export const DEFAULT_LOGGER_MODULE = 'default';

export function loggerName(loggerModule: string, module: string): string {
  return `${loggerModule}.${module}`;
}

/** What the simulator needs from logging: one pino logger per upstream module. */
export interface ModuleLoggers {
  /** The logger named `<LOGGER_MODULE>.<module>`. */
  forModule(module: string): Logger;
  /**
   * Resolves when the transport has room again; the simulator awaits it between games so that a fast
   * tournament cannot pile up unbounded unpublished records. Absent = no back-pressure.
   */
  drain?(): Promise<void>;
}

/** ModuleLoggers over any pino logger (its children carry `name`; the root must not set one). */
export function moduleLoggers(root: Logger, loggerModule: string): ModuleLoggers {
  const cache = new Map<string, Logger>();
  return {
    forModule(module) {
      let child = cache.get(module);
      if (!child) {
        child = root.child({ name: loggerName(loggerModule, module) });
        cache.set(module, child);
      }
      return child;
    },
  };
}
