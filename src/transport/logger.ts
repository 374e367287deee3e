/**
 * createSimulatorLogger: upstream's LOGGER_MODULE selection (upstream.md §2.1) on pino.
 * - `loggerModule: 'default'` → stdout only (upstream's default.py);
 * - any other name → stdout (unless `stdout: false`) plus the broker transport, both at `level`
 *   (LOG_LEVEL), the records named `<loggerModule>.<module>`. A `broker` object is published to in
 *   this thread (needed for memory://); a `brokerUrl` starts pino's worker-thread transport
 *   (dist/transport/worker.js) that opens the broker itself.
 * `close()` returns only when everything logged before it is published: pino's transport worker is
 * unref'd, so the loop is kept alive until the worker reports `close`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import type { WireFormat } from '../brokers/types.js';
import { ERROR_CODES, type ErrorCode, HeroflowError } from '../errors.js';
import type { BatchOptions, PublishTarget } from './batch-publisher.js';
import { createBrokerDestination } from './destination.js';
import { DEFAULT_LOGGER_MODULE, type ModuleLoggers, moduleLoggers, UPSTREAM_QUEUES } from './logger-names.js';
import type { KeyBy } from './message-key.js';
import { createStdoutDestination, type StdoutFormat } from './stdout.js';

export interface SimulatorLoggerOptions {
  /** LOGGER_MODULE; default `default` (stdout only). */
  loggerModule?: string;
  /** LOG_LEVEL: Python names (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`) or pino's. Default INFO. */
  level?: string;
  /** A broker in this thread (the embedded memory:// one). */
  broker?: PublishTarget & { close?(): Promise<void> };
  /** A broker URL for the worker-thread transport (or `file:///x.jsonl`, the debug sink). */
  brokerUrl?: string;
  /** How messages look on the broker (BrokerOptions.wire); default `heroflow`. */
  wire?: WireFormat;
  /** `game`: key records by GAME_TOKEN (a game's records on one partition, in order); default `none`. */
  keyBy?: KeyBy;
  /** Console output: true (process.stdout, default), false, or a stream. */
  stdout?: boolean | { write(text: string): unknown };
  stdoutFormat?: StdoutFormat;
  /** Time source for record times (share it with the tournament). Default: wall clock. */
  clock?: { now(): number };
  batch?: BatchOptions;
  /** The compiled worker entry; default: dist/transport/worker.js of this package. */
  workerTarget?: string;
}

export interface SimulatorLogger extends ModuleLoggers {
  readonly logger: Logger;
  readonly loggerModule: string;
  /** How records leave: `stdout`, `in-thread` (broker object) or `worker` (brokerUrl). */
  readonly mode: 'stdout' | 'in-thread' | 'worker';
  /** Messages the broker accepted, per topic (worker mode: as of the worker's last batch). */
  counts(): Record<string, number>;
  /** In-thread: everything is published. Worker: the worker has read everything (use close to be sure). */
  flush(): Promise<void>;
  /** Publishes what is left and stops the transport (does not close a `broker` passed in). */
  close(): Promise<void>;
}

const PYTHON_LEVELS: Record<string, string> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  CRITICAL: 'fatal',
  FATAL: 'fatal',
  TRACE: 'trace',
};

export function pinoLevel(level = 'INFO'): string {
  const mapped = PYTHON_LEVELS[level.toUpperCase()];
  if (!mapped) {
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      `LOG_LEVEL ${JSON.stringify(level)} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL.`,
    );
  }
  return mapped;
}

export function defaultWorkerTarget(): string {
  // From src/ (tsx) the compiled file lives in dist/; from dist/ it is the sibling.
  const rel = import.meta.url.endsWith('.ts') ? '../../dist/transport/worker.js' : './worker.js';
  return fileURLToPath(new URL(rel, import.meta.url));
}

export function createSimulatorLogger(options: SimulatorLoggerOptions = {}): SimulatorLogger {
  const loggerModule = options.loggerModule ?? DEFAULT_LOGGER_MODULE;
  const level = pinoLevel(options.level);
  const clock = options.clock;
  const streams: pino.StreamEntry[] = [];
  if (options.stdout !== false) {
    const out = options.stdout === true || options.stdout === undefined ? process.stdout : options.stdout;
    streams.push({ level: level as pino.Level, stream: createStdoutDestination(out, options.stdoutFormat) });
  }

  let mode: SimulatorLogger['mode'] = 'stdout';
  let counts: () => Record<string, number> = () => ({});
  let flush = async () => {};
  let close = async () => {};
  let drain: (() => Promise<void>) | undefined;

  if (loggerModule !== DEFAULT_LOGGER_MODULE) {
    if (options.broker) {
      mode = 'in-thread';
      const destination = createBrokerDestination(options.broker, {
        ...options.batch,
        wire: options.wire,
        keyBy: options.keyBy,
      });
      streams.push({ level: level as pino.Level, stream: destination });
      counts = destination.counts;
      flush = () => destination.flush();
      close = () => destination.close();
      drain = destination.drain;
    } else if (options.brokerUrl) {
      if (options.brokerUrl.startsWith('memory:')) {
        throw new HeroflowError(
          'HF_CONFIG_INVALID',
          'memory:// lives in this process: open it with openBroker() and pass it as `broker`, not `brokerUrl` (a worker thread cannot reach it).',
        );
      }
      mode = 'worker';
      const worker = startWorker(
        options.brokerUrl,
        options.workerTarget ?? defaultWorkerTarget(),
        options.batch,
        options.wire ?? 'heroflow',
        options.keyBy ?? 'none',
      );
      streams.push({ level: level as pino.Level, stream: worker.stream });
      counts = worker.counts;
      flush = worker.flush;
      close = worker.close;
    } else {
      throw new HeroflowError(
        'HF_CONFIG_INVALID',
        `LOGGER_MODULE=${loggerModule} transports records to a broker, but no broker was given: set the broker URL, or use LOGGER_MODULE=default for stdout only.`,
      );
    }
  }

  const root = pino(
    {
      level,
      // No pid/hostname: the envelope does not carry them and every record would pay for them.
      base: undefined,
      timestamp: clock
        ? () => `,"time":${clock.now()}`
        : () => `,"time":${performance.timeOrigin + performance.now()}`,
    },
    pino.multistream(streams),
  );
  const modules = moduleLoggers(root, loggerModule);
  return {
    logger: root,
    loggerModule,
    mode,
    forModule: modules.forModule,
    drain: drain ?? (() => new Promise<void>((resolve) => setImmediate(resolve))),
    counts,
    flush,
    close,
  };
}

/** Restores the code a worker-side HeroflowError carried as `[HF_…] ` (see worker.ts). */
function fromWorker(err: Error): HeroflowError {
  const match = /^\[(HF_[A-Z_]+)\] ([\s\S]*)$/.exec(err.message);
  if (match && match[1] in ERROR_CODES)
    return new HeroflowError(match[1] as ErrorCode, match[2], { cause: err });
  return new HeroflowError('HF_BROKER_UNREACHABLE', `the broker transport failed: ${err.message}`, {
    cause: err,
  });
}

function startWorker(
  brokerUrl: string,
  target: string,
  batch: BatchOptions | undefined,
  wire: WireFormat,
  keyBy: KeyBy,
) {
  if (!existsSync(target)) {
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      `the broker transport runs from compiled JS, and ${target} does not exist: run \`npm run build\` first.`,
    );
  }
  const topics = [...UPSTREAM_QUEUES];
  const counters = new SharedArrayBuffer(4 * (topics.length + 1));
  const slots = new Int32Array(counters);
  const stream = pino.transport({ target, options: { brokerUrl, wire, keyBy, batch, counters, topics } });
  let failure: Error | undefined;
  let closed = false;
  stream.on('error', (err: Error) => {
    failure ??= err;
  });
  const whenClosed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  // end() on a worker that never got ready blocks this thread in flushSync for 10 s, so close() first
  // waits for the worker to be ready (its broker open) or to fail.
  const whenStarted = new Promise<void>((resolve) => {
    stream.once('ready', () => resolve());
    stream.once('close', () => resolve());
  });
  return {
    stream,
    counts(): Record<string, number> {
      const out: Record<string, number> = {};
      topics.forEach((t, i) => {
        const n = Atomics.load(slots, i);
        if (n) out[t] = n;
      });
      const other = Atomics.load(slots, topics.length);
      if (other) out['(other)'] = other;
      return out;
    },
    flush: () =>
      new Promise<void>((resolve, reject) =>
        stream.flush((err?: Error | null) => (err ? reject(err) : resolve())),
      ),
    async close() {
      if (!closed) {
        closed = true;
        // The worker thread is unref'd: without a ref'd handle the process could exit before it closes.
        const keepAlive = setInterval(() => {}, 1000);
        try {
          await whenStarted;
          if (!failure) {
            stream.end();
            await whenClosed;
          }
        } finally {
          clearInterval(keepAlive);
        }
        // thread-stream emits a worker's error on the setImmediate after it decides it, and its 'close'
        // may come before that (after terminate()): a broker that could not be opened then went unreported
        // in a CI run. Any such error is queued by now, and one setImmediate lets it arrive.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (failure) throw fromWorker(failure);
    },
  };
}
