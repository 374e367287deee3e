/**
 * A roster is the list of heroes a game draws from, indexed by id 1…N like upstream's Redis hash
 * `superheros` (a hero is chosen as a random id in [1, HLEN]). Two sources: the real `superhero.json`
 * (a list of superheroapi.com responses) when a user has it, or the bundled generated roster.
 */
import { readFile } from 'node:fs/promises';
import { HeroflowError } from '../errors.js';
import { generateRoster } from './generated-roster.js';
import { type Hero, makeHero, POWERSTAT_NAMES, type Powerstats, parsePowerstat } from './heroes.js';

export interface Roster {
  readonly heroes: readonly Hero[];
  /** Where it came from: a file path or `generated:<seed>`. */
  readonly source: string;
  /** The hero with this id; ids run 1…heroes.length. */
  get(id: number): Hero;
}

export function rosterFromHeroes(heroes: Hero[], source: string): Roster {
  const sorted = [...heroes].sort((a, b) => a.id - b.id);
  sorted.forEach((h, i) => {
    if (h.id !== i + 1) {
      throw new HeroflowError(
        'HF_ROSTER_INVALID',
        `${source}: hero ids must run 1…${sorted.length} without gaps (games draw a random id in that range), but position ${i + 1} holds id ${h.id}.`,
      );
    }
  });
  return {
    heroes: sorted,
    source,
    get(id) {
      const hero = sorted[id - 1];
      if (!hero) throw new RangeError(`hero id ${id} is outside 1…${sorted.length}`);
      return hero;
    },
  };
}

function invalid(
  source: string,
  what: string,
  fix = 'Give the superhero.json that superheroapi.com pulls produce (a JSON list of API responses).',
): HeroflowError {
  return new HeroflowError('HF_ROSTER_INVALID', `${source}: ${what}. ${fix}`);
}

/** Parses the upstream format (already JSON-decoded). Errors name the entry and the field. */
export function parseRoster(data: unknown, source = 'roster'): Roster {
  if (!Array.isArray(data))
    throw invalid(source, `expected a JSON list of hero objects, found ${typeof data}`);
  if (data.length === 0) throw invalid(source, 'the list of heroes is empty');
  const heroes = data.map((entry, index): Hero => {
    const where = `entry ${index}`;
    if (typeof entry !== 'object' || entry === null) throw invalid(source, `${where} is not an object`);
    const e = entry as Record<string, unknown>;
    if (e.response !== undefined && e.response !== 'success') {
      throw invalid(source, `${where} is an API error response (${JSON.stringify(e.error ?? e.response)})`);
    }
    const id = typeof e.id === 'string' && /^\d+$/.test(e.id) ? Number(e.id) : e.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1)
      throw invalid(source, `${where} has no positive integer "id"`);
    if (typeof e.name !== 'string') throw invalid(source, `${where} (id ${id}) has no "name"`);
    const raw = e.powerstats;
    if (typeof raw !== 'object' || raw === null)
      throw invalid(source, `${where} (id ${id}) has no "powerstats" object`);
    const stats = {} as Powerstats;
    for (const stat of POWERSTAT_NAMES) {
      const value = parsePowerstat((raw as Record<string, unknown>)[stat]);
      if (value === undefined) {
        throw invalid(
          source,
          `${where} (id ${id}) has powerstats.${stat} = ${JSON.stringify((raw as Record<string, unknown>)[stat])}, not a number or "null"`,
        );
      }
      stats[stat] = value;
    }
    return makeHero(id, e.name, stats);
  });
  return rosterFromHeroes(heroes, source);
}

/** Reads a `superhero.json` file. */
export async function loadRosterFile(path: string): Promise<Roster> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new HeroflowError(
      'HF_ROSTER_INVALID',
      `${path}: cannot read the roster file (${(cause as Error).message}). Check the path, or omit it to use the bundled generated roster.`,
      { cause },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new HeroflowError(
      'HF_ROSTER_INVALID',
      `${path}: not valid JSON (${(cause as Error).message}). Give the superhero.json that superheroapi.com pulls produce.`,
      { cause },
    );
  }
  return parseRoster(data, path);
}

/** The generated roster (default) or a file, as a CLI option resolves it. */
export async function loadRoster(path?: string): Promise<Roster> {
  return path ? loadRosterFile(path) : generateRoster();
}
