/**
 * A token bucket per client address: `ratePerSecond` on average, bursts up to `burst`. Buckets of idle
 * addresses are dropped, so a flood from many addresses cannot grow the map without bound.
 */
export class RateLimit {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  #lastSweep = Date.now();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst = ratePerSecond * 2,
  ) {}

  /** Takes one token for `key`; false when its bucket is empty (the caller refuses the request). */
  take(key: string, now = Date.now()): boolean {
    this.sweep(now);
    const b = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    this.#buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** A full bucket is the same as no bucket: forget those, at most once a minute. */
  private sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    const refill = (this.burst / this.ratePerSecond) * 1000;
    for (const [key, b] of this.#buckets) if (now - b.at > refill) this.#buckets.delete(key);
  }
}
