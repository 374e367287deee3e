/**
 * Simulated time. The tournament never sleeps; it tells the clock how long each step would have taken
 * upstream (SERVER_SLEEP per turn, LOBBY_TIMEOUT for a lobby that never fills) and every timestamp —
 * the frames' TIMESTAMP and the log records' time — is read from the clock.
 *
 * - `virtualClock()` starts at a fixed epoch and moves only when told: a `--seed` run then repeats
 *   byte for byte, timestamps included (only the producer-assigned message ids differ). The default
 *   epoch is 2023-09-01T00:00:00Z, the date of the py-superhero snapshot whose formats heroflow follows.
 * - `wallClock()` reads real time (with microseconds, like Python's `time.time()`); `advance` is a
 *   no-op, so a live demo shows when records really were produced.
 */

export interface Clock {
  /** Epoch milliseconds; the fraction carries microseconds. */
  now(): number;
  /** Account for simulated time passing (no-op on the wall clock). */
  advance(ms: number): void;
  readonly virtual: boolean;
}

export const VIRTUAL_EPOCH_MS = Date.UTC(2023, 8, 1);

export function virtualClock(startMs = VIRTUAL_EPOCH_MS): Clock {
  // Integer microseconds internally, so that repeated small steps never accumulate float error.
  let us = Math.round(startMs * 1000);
  return {
    now: () => us / 1000,
    advance: (ms) => {
      us += Math.round(ms * 1000);
    },
    virtual: true,
  };
}

export function wallClock(): Clock {
  return {
    now: () => performance.timeOrigin + performance.now(),
    advance: () => {},
    virtual: false,
  };
}

/** Upstream's frame TIMESTAMP: `strftime('%Y-%m-%dT%H:%M:%SZ')` of `datetime.utcnow()`. */
export function frameTimestamp(ms: number): string {
  return `${new Date(Math.floor(ms)).toISOString().slice(0, 19)}Z`;
}
