/**
 * One game as seen by this server process: the lobby connections of its participants that are
 * connected here (others may sit on another server sharing the Redis state). Upstream runs a polling
 * loop per lobby connection (every SERVER_SLEEP: wait for players, then announce turns); heroflow runs
 * one check per game and only when something changed (a store notification) or a deadline passed,
 * each check paced to SERVER_SLEEP. A slow fallback poll covers a lost notification.
 *
 * Per game, not per connection: `Starting Match` and `Game Timed Out` are logged once per game (by
 * whichever server wins the compare-and-set), `Cleaning Game Records` once per participant.
 */
import type { WebSocket } from 'ws';
import { frameTimestamp, type HeroSpec, taskString, timedOutFrame } from '../simulator/index.js';
import { pyJsonDumps } from '../transport/index.js';
import { GAME_STATUS } from './protocol.js';
import { type GameStore, type GameView, STATUS } from './store/index.js';

export interface RoomHost {
  store: GameStore;
  serverSleepMs: number;
  lobbyTimeoutMs: number;
  fallbackPollMs: number;
  logStart(task: string): void;
  logTimedOut(task: string): void;
  /** SERVER_SLEEP×3 after the end, then `Cleaning Game Records` (and the socket closes). */
  clean(gameToken: string, userToken: string, ws: WebSocket): void;
  onError(err: unknown): void;
  dispose(room: Room): void;
}

interface LobbyConnection {
  ws: WebSocket;
  /** Upstream's per-connection LOBBY_TIMEOUT, counted from the lobby request. */
  deadline: number;
  started: boolean;
  done: boolean;
}

export class Room {
  private readonly conns = new Map<string, LobbyConnection>();
  private timer?: NodeJS.Timeout;
  private dueAt = Number.POSITIVE_INFINITY;
  private running = false;
  private again = false;
  private disposed = false;

  constructor(
    readonly gameToken: string,
    private readonly host: RoomHost,
  ) {}

  get empty(): boolean {
    return this.conns.size === 0;
  }

  add(userToken: string, ws: WebSocket): void {
    this.conns.set(userToken, {
      ws,
      deadline: Date.now() + this.host.lobbyTimeoutMs,
      started: false,
      done: false,
    });
    ws.once('close', () => {
      const c = this.conns.get(userToken);
      if (c?.ws === ws) this.conns.delete(userToken);
      if (this.conns.size === 0) this.dispose();
    });
    this.schedule(0);
  }

  /** The game changed somewhere: look again after one SERVER_SLEEP tick. */
  changed(): void {
    this.schedule(this.host.serverSleepMs);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    this.host.dispose(this);
  }

  private schedule(delayMs: number): void {
    if (this.disposed) return;
    const at = Date.now() + delayMs;
    if (at >= this.dueAt) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => {
      this.dueAt = Number.POSITIVE_INFINITY;
      void this.run();
    }, delayMs);
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.check();
      } while (this.again && !this.disposed);
    } catch (err) {
      this.host.onError(err);
      this.schedule(this.host.fallbackPollMs);
    } finally {
      this.running = false;
    }
  }

  private send(c: LobbyConnection, frame: unknown): void {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(pyJsonDumps(frame));
  }

  private finish(frame: unknown): void {
    for (const [user, c] of this.conns) {
      if (c.done) continue;
      c.done = true;
      this.send(c, frame);
      this.host.clean(this.gameToken, user, c.ws);
    }
    this.dispose();
  }

  private async check(): Promise<void> {
    const { store } = this.host;
    let v = await store.view(this.gameToken);
    if (!v || v.status === STATUS.timedOut) {
      this.finish(timedOutFrame(this.gameToken, Date.now()));
      return;
    }
    if (v.status === STATUS.waiting) {
      if (v.joined >= v.size) {
        if (await store.start(this.gameToken)) {
          v = (await store.view(this.gameToken))!;
          this.host.logStart(taskString(this.startFrame(v)));
        }
        this.again = true;
        return;
      }
      const now = Date.now();
      const first = Math.min(...[...this.conns.values()].map((c) => c.deadline));
      if (now >= first) {
        const frame = timedOutFrame(this.gameToken, now);
        if (await store.timeOut(this.gameToken)) this.host.logTimedOut(taskString(frame));
        this.again = true;
        return;
      }
      this.schedule(Math.min(first - now, this.host.fallbackPollMs));
      return;
    }
    // Started: everyone connected here gets START once, then turns until the game completes.
    let frame: ReturnType<Room['startFrame']> | undefined;
    for (const c of this.conns.values()) {
      if (c.started) continue;
      c.started = true;
      frame ??= this.startFrame(v);
      this.send(c, frame);
    }
    if (v.status === STATUS.starting) {
      await store.setStatus(this.gameToken, STATUS.inProgress, STATUS.starting);
      this.again = true;
      return;
    }
    const alive = Object.values(v.heroes).filter((h) => h.health > 0).length;
    if (v.status === STATUS.completed || alive <= 1) {
      if (v.status !== STATUS.completed) await store.setStatus(this.gameToken, STATUS.completed);
      this.finish({ PAYLOAD: { GAME_TOKEN: this.gameToken }, STATUS: { GAME: GAME_STATUS.complete } });
      return;
    }
    const head = v.order[0];
    const c = head === undefined ? undefined : this.conns.get(head);
    if (c && v.status === STATUS.inProgress && (v.heroes[head]?.health ?? 0) > 0) {
      if (await store.setStatus(this.gameToken, STATUS.waitingPlayer, STATUS.inProgress)) {
        this.send(c, { PAYLOAD: { GAME_TOKEN: this.gameToken }, STATUS: { GAME: GAME_STATUS.turn } });
      }
    }
    this.schedule(this.host.fallbackPollMs);
  }

  private startFrame(v: GameView) {
    const heroes: Record<string, HeroSpec> = {};
    for (const token of v.participants) heroes[token] = v.heroes[token];
    return {
      TIMESTAMP: frameTimestamp(Date.now()),
      PAYLOAD: { GAME_TOKEN: v.token, PARTICIPANTS: v.participants, PARTICIPANTS_HEROS: heroes },
      STATUS: { GAME: GAME_STATUS.start },
    };
  }
}
