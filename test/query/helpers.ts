/** `heroflow query … --format json` as a user runs it, and the same seeded tournament replayed in-process. */
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { playRecorded, task } from '../simulator/helpers.js';

export function queryJson(args: string[], env: NodeJS.ProcessEnv = {}): Record<string, unknown>[] {
  const r = runCli(['query', ...args, '--format', 'json'], env);
  assert.equal(r.status, 0, `heroflow query ${args.join(' ')}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>[];
}

export interface Expected {
  games: number;
  attacks: number;
  /** Per player: started games, wins, Σ ENEMY_DAMAGE of their attacks, attacks, knockouts. */
  players: Map<string, { games: number; wins: number; damage: number; attacks: number; knockouts: number }>;
  /** Per hero id: games played to the end and won. */
  heroes: Map<number, { games: number; wins: number }>;
  /** Every ENEMY_DAMAGE logged. */
  damages: number[];
  /** Starting Match records per minute of their TIMESTAMP (`YYYY-MM-DDTHH:MM:00`). */
  gamesPerMinute: Map<string, number>;
}

interface AttackTask {
  PAYLOAD: { USER_TOKEN: string };
  STATUS: { DETAILS: { ENEMY_DAMAGE: number; ENEMY_HEALTH_POST: number } };
}

/**
 * What the simulator itself says about a seeded tournament (`heroflow demo` plays the same one: the
 * bundled roster and a virtual clock): its game results, and the attack and start records it logged.
 */
export async function simulatorAnswers(
  seed: number,
  players: number,
  gamesPerPlayer: number,
): Promise<Expected> {
  const { summary, published } = await playRecorded({
    players,
    gamesPerPlayer,
    seed,
    loggerModule: 'memory',
  });
  const expected: Expected = {
    games: summary.games,
    attacks: summary.attacks,
    players: new Map(),
    heroes: new Map(),
    damages: [],
    gamesPerMinute: new Map(),
  };
  const player = (token: string) => {
    const p = expected.players.get(token) ?? { games: 0, wins: 0, damage: 0, attacks: 0, knockouts: 0 };
    expected.players.set(token, p);
    return p;
  };
  for (const g of summary.results) {
    if (g.timedOut) continue;
    g.participants.forEach((token, i) => {
      const won = g.winner === token ? 1 : 0;
      player(token).games++;
      player(token).wins += won;
      const hero = expected.heroes.get(g.heroIds[i]) ?? { games: 0, wins: 0 };
      expected.heroes.set(g.heroIds[i], { games: hero.games + 1, wins: hero.wins + won });
    });
  }
  for (const record of published) {
    if (record.envelope.log_message === 'Attack Completed') {
      const t = task<AttackTask>(record);
      const p = player(t.PAYLOAD.USER_TOKEN);
      p.damage += t.STATUS.DETAILS.ENEMY_DAMAGE;
      p.attacks++;
      if (t.STATUS.DETAILS.ENEMY_HEALTH_POST === 0) p.knockouts++;
      expected.damages.push(t.STATUS.DETAILS.ENEMY_DAMAGE);
    } else if (record.envelope.log_message === 'Starting Match') {
      const minute = `${task<{ TIMESTAMP: string }>(record).TIMESTAMP.slice(0, 16)}:00`;
      expected.gamesPerMinute.set(minute, (expected.gamesPerMinute.get(minute) ?? 0) + 1);
    }
  }
  return expected;
}
