/**
 * Matchmaking as upstream's `/game/find` does it (upstream.md §1.5 step 2): a player asks for a game
 * of n participants; if open games of that size exist one of them is picked at random, otherwise a new
 * game is opened. Unlike upstream there is no over-fill race: a game leaves the lobby when full.
 */
import { Game, pickHero } from './game.js';
import type { Hero } from './heroes.js';
import type { Rng } from './prng.js';
import type { Roster } from './roster.js';

export class Lobby {
  private readonly open = new Map<number, Game[]>();
  /** Open games in creation order, for timing out the oldest first. */
  private readonly byAge: Game[] = [];

  constructor(
    private readonly roster: Roster,
    private readonly rng: Rng,
  ) {}

  get openGames(): number {
    return this.byAge.length;
  }

  /** Joins `userToken` to an open game of `size` (or a new one); the game is removed once full. */
  join(userToken: string, size: number): { game: Game; hero: Hero; created: boolean } {
    const games = this.open.get(size) ?? [];
    let game: Game;
    let created = false;
    if (games.length === 0) {
      game = new Game(this.rng.uuid(), size);
      games.push(game);
      this.byAge.push(game);
      this.open.set(size, games);
      created = true;
    } else {
      game = this.rng.pick(games);
    }
    const hero = game.join(userToken, pickHero(this.roster, game.heroIdsTaken, this.rng));
    if (game.full) this.remove(game);
    return { game, hero, created };
  }

  /** Takes the oldest open game out of the lobby (to time it out). */
  takeOldest(): Game | undefined {
    const game = this.byAge[0];
    if (game) this.remove(game);
    return game;
  }

  private remove(game: Game): void {
    const games = this.open.get(game.size) ?? [];
    games.splice(games.indexOf(game), 1);
    this.byAge.splice(this.byAge.indexOf(game), 1);
  }
}
