/**
 * `heroflow server`: upstream's WebSocket game server. Game state in memory (one server) or in Redis
 * (several servers behind one Redis share the games); log records through the broker transport like
 * upstream's LOGGER_MODULE. Runs until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { HeroflowError } from '../../errors.js';
import { addSettings, readSettings } from '../options.js';
import { untilSignal } from '../signals.js';
import { table } from '../summary.js';

const SETTING_NAMES = [
  'websocketHost',
  'websocketPort',
  'gameState',
  'broker',
  'loggerModule',
  'wire',
  'keyBy',
  'logLevel',
  'serverSleep',
  'lobbyTimeout',
  'heroes',
  'redisExpiry',
  'maxPayload',
  'maxConnections',
  'loginRate',
  'metricsPort',
  'metricsHost',
] as const;

export function registerServer(program: Command): void {
  const cmd = program
    .command('server')
    .description(
      "Run the game server: upstream's WebSocket API (/api/v1/login, /api/v1/game/{find,lobby,hero,action}), state in memory:// or Redis, logs through the broker. Stops on SIGINT/SIGTERM.",
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.action(async () => {
    const s = readSettings(cmd, SETTING_NAMES);
    const { ensureHeroes, GameServer, openGameStore } = await import('../../server/index.js');
    const { openSimulatorLogger } = await import('../../pipeline/index.js');
    const { loadRoster } = await import('../../simulator/index.js');
    const { registerPublishMetrics, registerServerMetrics } = await import('../../metrics/index.js');
    const { maybeServeMetrics } = await import('../metrics.js');
    const store = await openGameStore(s.gameState ?? 'memory://');
    const { logger, broker } = await openSimulatorLogger(s);
    try {
      await ensureHeroes(store, () => loadRoster(s.heroes));
      const server = new GameServer({
        store,
        logger,
        host: s.websocketHost,
        port: s.websocketPort,
        serverSleepMs: s.serverSleep * 1000,
        lobbyTimeoutMs: s.lobbyTimeout * 1000,
        expirySeconds: s.redisExpiry,
        maxPayloadBytes: s.maxPayload,
        maxConnections: s.maxConnections,
        loginsPerSecond: s.loginRate,
      });
      try {
        await server.listen();
      } catch (cause) {
        throw new HeroflowError(
          'HF_CONFIG_INVALID',
          `cannot listen on ${s.websocketHost}:${s.websocketPort} (${(cause as Error).message}); choose another --port / WEBSOCKET_PORT.`,
          { cause },
        );
      }
      const metrics = await maybeServeMetrics(s.metricsPort, s.metricsHost, (r) => {
        registerServerMetrics(r, () => server.stats);
        registerPublishMetrics(r, () => logger.counts());
      });
      const signal = await untilSignal();
      await metrics?.close();
      await server.close();
      const st = server.stats;
      console.error(
        `\nserver stopped (${signal})\n${table([
          ['state', store.url],
          ['connections', st.connections],
          ['games started here', st.gamesStarted],
          ['games timed out here', st.gamesTimedOut],
          ['attacks', st.attacks],
          ['protocol errors', st.protocolErrors],
        ])}`,
      );
    } finally {
      await logger.close();
      await store.close();
      await broker?.close();
    }
  });
}
