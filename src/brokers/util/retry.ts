/**
 * Bounded connect retry shared by adapters: a broker that is still starting (CI, `services.sh up`) gets a
 * few seconds, and one that is absent ends in a clear HF_BROKER_UNREACHABLE instead of a hang or a raw
 * ECONNREFUSED from deep inside a client library.
 */
import { HeroflowError } from '../../errors.js';
import {
  brokerLabel,
  fatalConnectError,
  portAnswered,
  speaksTls,
  tlsMismatchError,
} from './connect-errors.js';
import { redactUrl } from './redact-url.js';

export interface RetryOptions {
  /** The broker URL, named (redacted) in the error. */
  url: string;
  /** Total time budget across attempts. Default 10 s. */
  timeoutMs?: number;
  /** First pause between attempts; doubles up to `maxDelayMs`. Default 100 ms. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Errors for which retrying is pointless beyond those fatalConnectError knows (bad credentials, TLS):
   * ended at once as HF_BROKER_AUTH with the library's message.
   */
  isFatal?: (error: unknown) => boolean;
  /**
   * Where the connection goes and whether it uses TLS: after a first failure on an open port, one TLS
   * handshake is tried there, and a mismatch (plaintext to a TLS listener, TLS to a plaintext one) ends
   * the retry with HF_BROKER_TLS at once instead of retrying for the whole budget.
   */
  endpoint?: { host: string; port: number; tls: boolean };
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * Call `connect` until it resolves or the time budget is spent. `connect` gets the attempt number (1-based)
 * and must clean up after itself when it fails (close the half-open client), or attempts leak sockets.
 */
export async function connectWithRetry<T>(
  connect: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxDelay = options.maxDelayMs ?? 2_000;
  let delay = options.initialDelayMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let attempt = 0;
  for (;;) {
    attempt++;
    try {
      return await connect(attempt);
    } catch (error) {
      const fatal = fatalConnectError(error, options.url);
      if (fatal) throw fatal;
      if (options.isFatal?.(error)) {
        throw new HeroflowError(
          'HF_BROKER_AUTH',
          `${brokerLabel(options.url)} refused the connection: ${describe(error)}.`,
        );
      }
      const p = options.endpoint;
      if (attempt === 1 && p && portAnswered(error)) {
        const tlsThere = await speaksTls(p.host, p.port);
        if (tlsThere !== p.tls) throw tlsMismatchError(options.url, p.host, p.port, tlsThere);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new HeroflowError(
          'HF_BROKER_UNREACHABLE',
          `Could not reach the broker at ${redactUrl(options.url)} within ${timeoutMs} ms ` +
            `(${attempt} attempt${attempt === 1 ? '' : 's'}): ${describe(error)}. ` +
            'Check that the server runs and that --broker / HEROFLOW_BROKER points at it.',
          { cause: error },
        );
      }
      if (attempt === 1) {
        options.log?.('warn', 'broker not reachable yet, retrying', {
          url: redactUrl(options.url),
          error: describe(error),
        });
      }
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}

export interface RetryWhileOptions {
  /** Whether a failure is worth another attempt; any other is thrown at once. */
  retryable: (error: unknown) => boolean;
  /** No attempt starts later than this after the first; the last failure is then thrown. */
  budgetMs: number;
  /** Pause after failed attempt n. Default 500 ms × n, at most 3 s. */
  pauseMs?: (attempt: number) => number;
  /**
   * Asked before each further attempt and after each failure: true ends the retry quietly with
   * `undefined` (the caller is closing, or a newer call has made this one pointless).
   */
  abandon?: () => boolean;
  onRetry?: (attempt: number, error: unknown) => void;
}

/**
 * Runs `step` again while its failures are `retryable` and the budget lasts: for steps that a cluster in
 * transition fails for a few seconds (a broker just started or just gone), where failing at once would
 * stop a worker that the next attempt would have kept.
 */
export async function retryWhile<T>(
  step: (attempt: number) => Promise<T>,
  options: RetryWhileOptions,
): Promise<T | undefined> {
  const deadline = Date.now() + options.budgetMs;
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1 && options.abandon?.()) return undefined;
    try {
      return await step(attempt);
    } catch (error) {
      if (options.abandon?.()) return undefined;
      if (!options.retryable(error) || Date.now() > deadline) throw error;
      options.onRetry?.(attempt, error);
      await sleep(options.pauseMs?.(attempt) ?? Math.min(500 * attempt, 3000));
    }
  }
}
