/** Many bots in one process (for load): each plays its own upstream client loop concurrently. */
import { type GameOutcome, Player, type PlayerOptions, type PlayerStats } from './player.js';

export interface FleetOptions extends Omit<PlayerOptions, 'user' | 'onGame'> {
  count: number;
  /** Unique user names `<prefix><i>` (default), or upstream's colliding random names when null. */
  userPrefix?: string | null;
  onGame?: (outcome: GameOutcome, totals: PlayerStats) => void;
}

export async function runFleet(options: FleetOptions): Promise<PlayerStats & { players: number }> {
  const totals: PlayerStats = { games: 0, completed: 0, timedOut: 0, attacks: 0, retries: 0 };
  const prefix = options.userPrefix === undefined ? `BOT${process.pid}-` : options.userPrefix;
  const players = Array.from(
    { length: options.count },
    (_, i) =>
      new Player({
        ...options,
        user: prefix === null ? undefined : `${prefix}${i}`,
        onGame: (outcome) => {
          totals.games++;
          totals[outcome.result === 'complete' ? 'completed' : 'timedOut']++;
          totals.attacks += outcome.attacks;
          options.onGame?.(outcome, totals);
        },
      }),
  );
  const stats = await Promise.all(players.map((p) => p.run()));
  totals.retries = stats.reduce((n, s) => n + s.retries, 0);
  return { ...totals, players: options.count };
}
