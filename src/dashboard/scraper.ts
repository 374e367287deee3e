/**
 * Scrapes every target's /metrics once a second (aligned to whole seconds, as upstream's visualiser
 * does), turns counters into rates (Δcount/Δt between two scrapes) and keeps the last 300 points
 * (5 minutes) for a page that connects late.
 */
import { parsePrometheusText, type Sample, sumOf } from './prom-text.js';

/** Counters the page shows as rates per second. */
export const RATES = {
  produced: 'experiment_producer_event_count_total',
  published: 'heroflow_messages_published_total',
  consumed: 'heroflow_messages_consumed_total',
  acked: 'heroflow_messages_acked_total',
  deadLetters: 'heroflow_dlq_messages_total',
  files: 'heroflow_files_written_total',
  bytes: 'heroflow_written_bytes_total',
  cpu: 'heroflow_process_cpu_seconds_total',
} as const;

/** Values the page shows as they are. */
export const VALUES = {
  experiments: 'experiment_producer_num_experiments',
  workers: 'heroflow_workers',
  rss: 'heroflow_process_resident_memory_bytes',
  lag: 'heroflow_consumer_lag_messages',
  ...RATES,
} as const;

export type RateName = keyof typeof RATES;
export type ValueName = keyof typeof VALUES;

export interface TargetPoint {
  up: boolean;
  error?: string;
  /** Per second since the previous scrape; absent on the first scrape or when the target lacks the counter. */
  rates: Partial<Record<RateName, number>>;
  values: Partial<Record<ValueName, number>>;
}

export interface Point {
  /** Epoch milliseconds of the scrape. */
  t: number;
  targets: TargetPoint[];
}

export const HISTORY = 300;

export interface ScraperOptions {
  targets: string[];
  intervalMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Epoch milliseconds; tests pass a fake clock. */
  now?: () => number;
}

export class Scraper {
  readonly targets: string[];
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly history: Point[] = [];
  private readonly last: Array<{ t: number; values: Partial<Record<ValueName, number>> } | undefined>;
  private readonly listeners = new Set<(p: Point) => void>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(opts: ScraperOptions) {
    this.targets = opts.targets;
    this.intervalMs = opts.intervalMs ?? 1000;
    this.timeoutMs = opts.timeoutMs ?? Math.min(900, this.intervalMs);
    this.fetch = opts.fetch ?? fetch;
    this.now = opts.now ?? Date.now;
    this.last = opts.targets.map(() => undefined);
  }

  points(): Point[] {
    return [...this.history];
  }

  onPoint(listener: (p: Point) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      await this.scrapeOnce();
      if (this.stopped) return;
      this.timer = setTimeout(tick, this.intervalMs - (Date.now() % this.intervalMs));
    };
    this.timer = setTimeout(tick, this.intervalMs - (Date.now() % this.intervalMs));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async scrapeOnce(): Promise<Point> {
    const t = this.now();
    const targets = await Promise.all(this.targets.map((url, i) => this.scrapeTarget(url, i, t)));
    const point = { t, targets };
    this.history.push(point);
    if (this.history.length > HISTORY) this.history.shift();
    for (const l of this.listeners) l(point);
    return point;
  }

  private async scrapeTarget(url: string, i: number, t: number): Promise<TargetPoint> {
    let samples: Sample[];
    try {
      const res = await this.fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      samples = parsePrometheusText(await res.text());
    } catch (err) {
      // A target that went away (a finished producer) leaves a gap, and a later restart starts afresh.
      this.last[i] = undefined;
      return { up: false, error: (err as Error).message, rates: {}, values: {} };
    }
    const values: Partial<Record<ValueName, number>> = {};
    for (const [key, name] of Object.entries(VALUES) as Array<[ValueName, string]>) {
      const v = sumOf(samples, name);
      if (v !== undefined) values[key] = v;
    }
    const rates: Partial<Record<RateName, number>> = {};
    const prev = this.last[i];
    if (prev) {
      const dt = (t - prev.t) / 1000;
      for (const key of Object.keys(RATES) as RateName[]) {
        const now = values[key];
        const before = prev.values[key];
        if (now === undefined || dt <= 0) continue;
        // A counter that went down belongs to a restarted process: count from zero.
        rates[key] = before === undefined || now < before ? now / dt : (now - before) / dt;
      }
    }
    this.last[i] = { t, values };
    return { up: true, rates, values };
  }
}
