/**
 * The seed's fan-out (narrowcast) middleware: subscribes to topic channels and republishes each message,
 * bytes unchanged, to ONE live worker channel per group (fanout-channels.ts), found with
 * `PUBSUB CHANNELS <topic>.*` and picked round robin (or at random, as upstream did).
 *
 * The channel list is cached briefly (`cacheMs`) because listing channels per message would cost more than
 * the publish. The cache never hides a new member for long: an empty list is never cached, a PUBLISH that
 * reached nobody drops the entry and retries the other members, and a heroflow member that starts publishes
 * its worker channel on JOIN_CHANNEL, which this subscriber receives in order with the topic messages (Redis
 * delivers to one connection in the order it executed the PUBLISHes). A heroflow member is eligible only
 * from its join on (or when it was there when the middleware started), so it gets exactly what was
 * published after its `ready()` — not older messages that were still queued here. Upstream's workers
 * (`<topic>.<HOSTNAME>`) do not announce themselves and are eligible as soon as they are listed.
 *
 * Messages are forwarded in arrival order with one pipeline per burst. A message no group can take is
 * dropped and counted: nothing is kept while no worker lives (declared: redis+fanout persistence false).
 */
import type { Redis } from 'ioredis';
import type { BrokerOptions } from '../types.js';
import { ConnectionLog } from '../util/connection-log.js';
import { connectRedis } from './connect.js';
import { groupOf, JOIN_CHANNEL, workerPattern } from './fanout-channels.js';
import { parseRedisUrl, type RedisConfig } from './url.js';

export interface FanoutOptions {
  /** A redis:// or redis+fanout:// URL; its `prefix` applies to the topics. */
  url: string;
  /** Topics to fan out (channel = prefix + topic). */
  topics?: string[];
  /** Glob patterns of topic channels (PSUBSCRIBE), for many or unknown topics; see `isTopic`. */
  patterns?: string[];
  /** With `patterns`: which matching channels are topics (worker channels match a broad glob too). */
  isTopic?: (channel: string) => boolean;
  pick?: 'round-robin' | 'random';
  /** How long a channel list is reused. Default 1000 ms. */
  cacheMs?: number;
  connectTimeoutMs?: number;
  log?: BrokerOptions['log'];
}

export interface FanoutStats {
  /** Messages received on topic channels. */
  received: number;
  /** Copies that reached a worker (one per message and group). */
  forwarded: number;
  /** Messages that reached no worker at all. */
  dropped: number;
}

type Item = { channel: string; payload: Buffer } | { join: string };

interface Members {
  at: number;
  groups: Map<string, string[]>;
}

const BURST = 1000;

export class FanoutMiddleware {
  readonly #cfg: RedisConfig;
  readonly #cacheMs: number;
  #sub: Redis | undefined;
  #pub: Redis | undefined;
  readonly #items: Item[] = [];
  #pumping: Promise<void> | undefined;
  readonly #cache = new Map<string, Members>();
  readonly #turn = new Map<string, number>();
  readonly #topicChannels: Set<string>;
  /** heroflow worker channels whose join this middleware has seen (or that predate it). */
  readonly #known = new Set<string>();
  readonly #stats: FanoutStats = { received: 0, forwarded: 0, dropped: 0 };
  #stopped = false;

  constructor(private readonly opts: FanoutOptions) {
    this.#cfg = parseRedisUrl(opts.url.replace(/^redis\+fanout:/i, 'redis:'));
    this.#cacheMs = opts.cacheMs ?? 1000;
    this.#topicChannels = new Set((opts.topics ?? []).map((t) => this.#cfg.prefix + t));
    if (this.#topicChannels.size === 0 && !opts.patterns?.length) {
      throw new RangeError('FanoutMiddleware needs topics or patterns');
    }
  }

  get url(): string {
    return this.#cfg.url;
  }

  stats(): FanoutStats {
    return { ...this.#stats };
  }

  /** Resolves once subscribed: from then on every message published to the topics is forwarded. */
  async start(): Promise<void> {
    const options: BrokerOptions = { connectTimeoutMs: this.opts.connectTimeoutMs, log: this.opts.log };
    const connection = new ConnectionLog('redis', this.#cfg.url, this.opts.log);
    this.#pub = await connectRedis(this.#cfg, options, 'fanout-publisher', connection);
    this.#sub = await connectRedis(this.#cfg, options, 'fanout-subscriber', connection);
    this.#sub.on('messageBuffer', (channel: Buffer, payload: Buffer) => {
      const name = channel.toString();
      if (name === JOIN_CHANNEL) this.#push({ join: payload.toString() });
      else this.#push({ channel: name, payload });
    });
    this.#sub.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, payload: Buffer) => {
      const name = channel.toString();
      if (!this.opts.isTopic || this.opts.isTopic(name)) this.#push({ channel: name, payload });
    });
    await this.#sub.subscribe(JOIN_CHANNEL, ...this.#topicChannels);
    // Members already listening when the middleware starts will not announce themselves again.
    const globs = [...[...this.#topicChannels].map(workerPattern), ...(this.opts.patterns ?? [])];
    for (const glob of globs) {
      for (const name of (await this.#pub.pubsub('CHANNELS', glob)) as string[]) this.#known.add(name);
    }
    if (this.opts.patterns?.length) await this.#sub.psubscribe(...this.opts.patterns);
  }

  /** Stop listening, forward what already arrived, disconnect. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#sub?.disconnect();
    while (this.#pumping) await this.#pumping;
    this.#pub?.disconnect();
  }

  #push(item: Item): void {
    if (this.#stopped) return;
    if (!('join' in item)) this.#stats.received++;
    this.#items.push(item);
    this.#kick();
  }

  #kick(): void {
    if (this.#pumping || this.#items.length === 0) return;
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      this.#kick();
    });
  }

  async #pump(): Promise<void> {
    while (this.#items.length > 0) {
      const burst = this.#items.splice(0, BURST);
      let run: Array<{ channel: string; payload: Buffer }> = [];
      for (const item of burst) {
        if ('join' in item) {
          // Everything before the join goes out with the old list; everything after sees the new member.
          await this.#forward(run);
          run = [];
          this.#known.add(item.join);
          // The worker channel is `<topic channel>.<group>.<consumer>`: drop that topic's cached list.
          this.#cache.delete(item.join.split('.').slice(0, -2).join('.'));
        } else {
          run.push(item);
        }
      }
      await this.#forward(run);
    }
  }

  async #forward(run: Array<{ channel: string; payload: Buffer }>): Promise<void> {
    if (run.length === 0) return;
    try {
      await this.#send(run);
    } catch (err) {
      // Redis stayed away longer than a command waits: these messages are lost, as Pub/Sub would lose them.
      this.#stats.dropped += run.length;
      this.opts.log?.('error', 'fanout could not forward a burst; dropped', {
        messages: run.length,
        error: (err as Error).message,
      });
    }
  }

  async #send(run: Array<{ channel: string; payload: Buffer }>): Promise<void> {
    if (!this.#pub) return;
    const sends: Array<{ channel: string; group: string; target: string; payload: Buffer }> = [];
    for (const { channel, payload } of run) {
      const members = await this.#members(channel);
      if (members.groups.size === 0) {
        this.#stats.dropped++;
        continue;
      }
      for (const [group, targets] of members.groups) {
        sends.push({ channel, group, target: this.#pick(channel, group, targets), payload });
      }
    }
    if (sends.length === 0) return;
    const results =
      (await this.#pub.pipeline(sends.map((s) => ['publish', s.target, s.payload])).exec()) ?? [];
    const reached = new Map<Buffer, boolean>();
    for (let i = 0; i < sends.length; i++) {
      const s = sends[i];
      let ok = !results[i]?.[0] && Number(results[i]?.[1]) > 0;
      // The member left since the list was read: drop the list and try the group's other members.
      if (!ok) ok = await this.#retry(s.channel, s.group, s.target, s.payload);
      if (ok) this.#stats.forwarded++;
      reached.set(s.payload, (reached.get(s.payload) ?? false) || ok);
    }
    for (const ok of reached.values()) if (!ok) this.#stats.dropped++;
  }

  async #retry(channel: string, group: string, dead: string, payload: Buffer): Promise<boolean> {
    this.#cache.delete(channel);
    const targets = (await this.#members(channel)).groups.get(group)?.filter((t) => t !== dead) ?? [];
    for (const target of targets) {
      if (((await this.#pub?.publish(target, payload)) ?? 0) > 0) return true;
    }
    return false;
  }

  async #members(channel: string): Promise<Members> {
    const cached = this.#cache.get(channel);
    if (cached && Date.now() - cached.at < this.#cacheMs) return cached;
    const names = ((await this.#pub?.pubsub('CHANNELS', workerPattern(channel))) ?? []) as string[];
    const groups = new Map<string, string[]>();
    const listed = new Set(names);
    for (const name of this.#known)
      if (name.startsWith(`${channel}.`) && !listed.has(name)) this.#known.delete(name);
    for (const name of names.sort()) {
      const group = groupOf(channel, name);
      // Upstream workers ('' group) are not announced; heroflow members count from their join on.
      if (group === undefined || (group !== '' && !this.#known.has(name))) continue;
      const list = groups.get(group) ?? [];
      list.push(name);
      groups.set(group, list);
    }
    const members = { at: Date.now(), groups };
    if (groups.size > 0) this.#cache.set(channel, members);
    else this.#cache.delete(channel);
    return members;
  }

  #pick(channel: string, group: string, targets: string[]): string {
    if (this.opts.pick === 'random') return targets[Math.floor(Math.random() * targets.length)];
    const key = `${channel}\u0000${group}`;
    const n = this.#turn.get(key) ?? 0;
    this.#turn.set(key, n + 1);
    return targets[n % targets.length];
  }
}
