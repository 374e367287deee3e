/**
 * The game server: upstream's WebSocket API (upstream.md §1.4–1.5) on `ws`, game state in a GameStore,
 * logs through the simulator logger exactly as upstream's modules log them (§1.8).
 *
 * Every path handles any number of frames per connection (upstream's client opens one per request).
 * A frame that is not JSON closes that socket with code 1007 and a reason; a frame missing a field gets
 * upstream's error frame and the connection stays usable.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { attackFrame, frameTimestamp, taskString, timedOutFrame } from '../simulator/index.js';
import {
  type ModuleLoggers,
  pyJsonDumps,
  QUEUE_CLIENT,
  QUEUE_GAME,
  QUEUE_LOBBY,
} from '../transport/index.js';
import {
  checkPayload,
  ERRORS,
  errorFrame,
  GAME_STATUS,
  HEROFLOW_ERRORS,
  JOINED_SUCCESS,
  PATHS,
  USER_CREATED,
} from './protocol.js';
import { RateLimit } from './rate-limit.js';
import { Room, type RoomHost } from './room.js';
import { type GameStore, STATUS } from './store/index.js';

export interface GameServerOptions {
  store: GameStore;
  logger: ModuleLoggers;
  host?: string;
  /** 0 = an ephemeral port (read it from `address()`). */
  port?: number;
  /** Upstream SERVER_SLEEP in ms: the lobby and turn tick. */
  serverSleepMs?: number;
  /** Upstream LOBBY_TIMEOUT in ms. */
  lobbyTimeoutMs?: number;
  /** With a store only this process sees (memory://), the server expires finished games itself after this. */
  expirySeconds?: number;
  /** Largest PARTICIPANTS accepted (upstream: unbounded; its client asks for 2 or 3). */
  maxParticipants?: number;
  /** Largest WebSocket message in bytes; a bigger one closes the socket with 1009 (ws's default: 100 MiB). */
  maxPayloadBytes?: number;
  /** Open connections at most; one more is closed at once with 1013 (try again later). */
  maxConnections?: number;
  /** Logins per second per client address (bursts of twice that); more close the socket with 1008. */
  loginsPerSecond?: number;
}

/**
 * Defaults when a GameServer is built without them (the CLI passes its settings' defaults, the same
 * values): the server must not fall over when a client misbehaves (issue 14, failure 6).
 */
export const SERVER_LIMITS = {
  maxPayloadBytes: 64 * 1024,
  maxConnections: 1000,
  loginsPerSecond: 500,
} as const;

export interface ServerStats {
  connections: number;
  gamesStarted: number;
  gamesTimedOut: number;
  attacks: number;
  protocolErrors: number;
  /** Connections closed by a limit (too many open, a login flood, a frame too large). */
  refused: number;
}

type Route = keyof typeof PATHS;
const ROUTES = new Map<string, Route>(Object.entries(PATHS).map(([route, path]) => [path, route as Route]));
const HERO_CANDIDATES = 8;

export class GameServer {
  private wss?: WebSocketServer;
  private readonly rooms = new Map<string, Room>();
  private readonly cleanTimers = new Set<NodeJS.Timeout>();
  private readonly lobbyLog: Logger;
  private readonly gameLog: Logger;
  private readonly clientLog: Logger;
  private readonly roomHost: RoomHost;
  private readonly logins: RateLimit;
  readonly stats: ServerStats = {
    connections: 0,
    refused: 0,
    gamesStarted: 0,
    gamesTimedOut: 0,
    attacks: 0,
    protocolErrors: 0,
  };

  constructor(private readonly options: GameServerOptions) {
    this.lobbyLog = options.logger.forModule(QUEUE_LOBBY);
    this.gameLog = options.logger.forModule(QUEUE_GAME);
    this.clientLog = options.logger.forModule(QUEUE_CLIENT);
    this.logins = new RateLimit(options.loginsPerSecond ?? SERVER_LIMITS.loginsPerSecond);
    const serverSleepMs = options.serverSleepMs ?? 200;
    this.roomHost = {
      store: options.store,
      serverSleepMs,
      lobbyTimeoutMs: options.lobbyTimeoutMs ?? 5000,
      fallbackPollMs: Math.max(1000, serverSleepMs * 5),
      logStart: (task) => {
        this.stats.gamesStarted++;
        this.lobbyLog.info({ queue: QUEUE_LOBBY, task }, 'Starting Match');
      },
      logTimedOut: (task) => {
        this.stats.gamesTimedOut++;
        this.lobbyLog.info({ queue: QUEUE_LOBBY, task }, 'Game Timed Out');
      },
      clean: (game, user, ws) => this.clean(game, user, ws, serverSleepMs * 3),
      onError: (err) => this.lobbyLog.error({ err }, 'Game check failed'),
      dispose: (room) => {
        if (this.rooms.get(room.gameToken) === room) this.rooms.delete(room.gameToken);
      },
    };
    options.store.onChange((game) => this.rooms.get(game)?.changed());
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<AddressInfo> {
    const { host = '127.0.0.1', port = 5678 } = this.options;
    this.clientLog.info({ queue: QUEUE_CLIENT }, 'Starting Web Socket Server');
    await this.options.store.ready?.();
    const wss = new WebSocketServer({
      host,
      port,
      perMessageDeflate: false,
      maxPayload: this.options.maxPayloadBytes ?? SERVER_LIMITS.maxPayloadBytes,
    });
    this.wss = wss;
    wss.on('connection', (ws, req) =>
      this.connection(ws, new URL(req.url ?? '/', 'ws://x').pathname, req.socket.remoteAddress ?? ''),
    );
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    const address = wss.address() as AddressInfo;
    this.clientLog.info({ queue: QUEUE_CLIENT }, `Listening on ${host}:${address.port}`);
    return address;
  }

  address(): AddressInfo {
    return this.wss!.address() as AddressInfo;
  }

  /** Stops accepting, closes every socket; pending cleaning records are logged first. */
  async close(): Promise<void> {
    for (const room of this.rooms.values()) room.dispose();
    for (const t of this.cleanTimers) clearTimeout(t);
    this.cleanTimers.clear();
    const wss = this.wss;
    if (!wss) return;
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  private connection(ws: WebSocket, path: string, address: string): void {
    const route = ROUTES.get(path);
    if (!route) {
      ws.close(1008, `unknown path ${path.slice(0, 60)}; upstream paths are /api/v1/…`);
      return;
    }
    ws.on('error', () => {});
    const max = this.options.maxConnections ?? SERVER_LIMITS.maxConnections;
    // wss.clients already holds this one.
    if ((this.wss?.clients.size ?? 0) > max) {
      this.refuse(ws, 1013, `server full (${max} connections); try again later`);
      return;
    }
    this.stats.connections++;
    // ws closes a frame over maxPayload with 1009 by itself; count it with the other refusals.
    ws.on('close', (code) => {
      if (code === 1009) this.stats.refused++;
    });
    ws.on('message', (data, isBinary) => {
      // Per message, not per connection: a flood can come over one socket as well as over many.
      if (route === 'login' && !this.logins.take(address)) {
        this.refuse(ws, 1008, 'too many logins from this address; slow down');
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
      } catch {
        this.stats.protocolErrors++;
        // 1007 = invalid frame payload data; the reason is capped at 123 bytes by the protocol.
        ws.close(1007, 'frame is not JSON: every message must be a JSON object like {"PAYLOAD": {…}}');
        return;
      }
      const checked = checkPayload(route, message);
      if ('error' in checked) {
        this.stats.protocolErrors++;
        this.reply(ws, errorFrame(checked.error));
        return;
      }
      this.handle(route, ws, checked.payload).catch((err) => {
        this.lobbyLog.error({ err }, `Request on ${path} failed`);
        ws.close(1011, 'internal error; see the server log');
      });
    });
  }

  private refuse(ws: WebSocket, code: number, reason: string): void {
    this.stats.refused++;
    ws.close(code, reason);
  }

  private reply(ws: WebSocket, frame: unknown): void {
    if (ws.readyState === ws.OPEN) ws.send(typeof frame === 'string' ? frame : pyJsonDumps(frame));
  }

  private async handle(route: Route, ws: WebSocket, p: Record<string, unknown>): Promise<void> {
    const { store } = this.options;
    switch (route) {
      case 'login': {
        if ((await store.heroCount()) === 0) return this.reply(ws, errorFrame(ERRORS.noHeroes));
        const { token, created } = await store.login(String(p.USER));
        if (created) this.reply(ws, errorFrame(USER_CREATED));
        return this.reply(ws, { PAYLOAD: { USER_TOKEN: token } });
      }
      case 'find':
        return this.find(ws, String(p.USER_TOKEN), p.PARTICIPANTS);
      case 'lobby':
        return this.lobby(ws, String(p.GAME_TOKEN), String(p.USER_TOKEN));
      case 'hero': {
        const [game, user] = [String(p.GAME_TOKEN), String(p.USER_TOKEN)];
        const hero = await store.heroSpec(game, user);
        return this.reply(ws, {
          PAYLOAD: { GAME_TOKEN: game, USER_TOKEN: user, HERO: hero },
          STATUS: { GAME: GAME_STATUS.heroSpec },
        });
      }
      case 'action':
        return this.action(ws, p);
    }
  }

  private async find(ws: WebSocket, user: string, participants: unknown): Promise<void> {
    const { store } = this.options;
    const heroes = await store.heroCount();
    if (heroes === 0) return this.reply(ws, errorFrame(ERRORS.noHeroes));
    const size = Number(participants);
    const max = Math.min(heroes, this.options.maxParticipants ?? 100);
    if (!Number.isInteger(size) || size < 2 || size > max) {
      return this.reply(ws, errorFrame(HEROFLOW_ERRORS.participants));
    }
    for (;;) {
      const candidates = Array.from({ length: HERO_CANDIDATES }, () => randomInt(1, heroes + 1));
      const joined = await store.join(user, size, randomUUID(), candidates, Math.random());
      if (joined) {
        return this.reply(ws, {
          PAYLOAD: { GAME_TOKEN: joined.gameToken, HERO_ID: joined.hero.id },
          STATUS: { JOINED: JOINED_SUCCESS },
        });
      }
    }
  }

  private async lobby(ws: WebSocket, game: string, user: string): Promise<void> {
    if (!(await this.options.store.view(game))) {
      // Upstream's first `Game Timed Out` site: the game's keys are gone (or never existed).
      const frame = timedOutFrame(game, Date.now());
      this.lobbyLog.info({ queue: QUEUE_LOBBY, task: taskString(frame) }, 'Game Timed Out');
      this.reply(ws, frame);
      return;
    }
    let room = this.rooms.get(game);
    if (!room) {
      room = new Room(game, this.roomHost);
      this.rooms.set(game, room);
    }
    room.add(user, ws);
  }

  private async action(ws: WebSocket, p: Record<string, unknown>): Promise<void> {
    const { store } = this.options;
    const [game, user, enemy] = [String(p.GAME_TOKEN), String(p.USER_TOKEN), p.ENEMY_TOKEN];
    if (p.ACTION !== 'ATTACK') return this.reply(ws, errorFrame(HEROFLOW_ERRORS.action));
    if (!enemy) {
      // The client found no living opponent: upstream ends the game and logs an error.
      await store.setStatus(game, STATUS.completed);
      const task = pyJsonDumps({
        TIMESTAMP: frameTimestamp(Date.now()),
        PAYLOAD: { GAME_TOKEN: game, USER_TOKEN: user },
        STATUS: { ACTION: 'NA', DETAILS: { ENEMY_TOKEN: null, ENEMY_STATUS: 'DEAD' } },
      });
      this.gameLog.error({ queue: QUEUE_GAME, task }, 'Attacked Dead Enemy');
      return this.reply(ws, task);
    }
    const outcome = await store.attack(game, user, String(enemy));
    if (!outcome.ok) {
      return this.reply(
        ws,
        errorFrame(outcome.reason === 'not-your-turn' ? HEROFLOW_ERRORS.turn : HEROFLOW_ERRORS.enemy),
      );
    }
    this.stats.attacks++;
    const task = taskString(
      attackFrame(game, { attacker: user, enemy: String(enemy), ...outcome }, Date.now()),
    );
    this.gameLog.info({ queue: QUEUE_GAME, task }, 'Attack Completed');
    await store.appendLog(game, task);
    this.reply(ws, task);
  }

  private clean(game: string, user: string, ws: WebSocket, delayMs: number): void {
    const timer = setTimeout(() => {
      this.cleanTimers.delete(timer);
      this.lobbyLog.info(
        { queue: QUEUE_LOBBY, task: { game_token: game, user_token: user } },
        'Cleaning Game Records',
      );
      if (!this.options.store.shared) {
        // Nobody else can reach an in-process store: this server is its own clean routine.
        void this.options.store.expireGame(game, user, this.options.expirySeconds ?? 30);
      }
      if (ws.readyState === ws.OPEN) ws.close(1000, 'game over');
    }, delayMs);
    this.cleanTimers.add(timer);
  }
}
