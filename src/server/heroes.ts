/**
 * Rosters into the `superheros` hash (upstream build_db): from the bundled roster, a superhero.json, or
 * superheroapi.com (id 1, 2, … until the API answers `"invalid id"`).
 */
import { HeroflowError } from '../errors.js';
import { parseRoster, type Roster } from '../simulator/index.js';
import type { GameStore, StoredHero } from './store/index.js';

export function storedHeroes(roster: Roster): StoredHero[] {
  return roster.heroes.map((h) => ({
    id: h.id,
    attack: h.attack,
    health: h.health,
    doc: { name: h.name, powerstats: { ...h.powerstats, health: h.health, attack: h.attack } },
  }));
}

/** Loads the roster unless the store already has one (a server on a fresh store can play at once). */
export async function ensureHeroes(store: GameStore, roster: () => Promise<Roster>): Promise<number> {
  const n = await store.heroCount();
  if (n > 0) return n;
  const heroes = storedHeroes(await roster());
  await store.loadHeroes(heroes);
  return heroes.length;
}

export interface ApiPullOptions {
  token: string;
  /** Default https://www.superheroapi.com/api */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Stop after this many ids (a safety net: the real API has 731). */
  maxIds?: number;
  timeoutMs?: number;
}

/** Pulls every hero from the superhero API; the entries are what superhero.json holds. */
export async function pullHeroes(options: ApiPullOptions): Promise<Roster> {
  const base = (options.baseUrl ?? 'https://www.superheroapi.com/api').replace(/\/$/, '');
  const get = options.fetch ?? fetch;
  const entries: unknown[] = [];
  for (let id = 1; id <= (options.maxIds ?? 10_000); id++) {
    const url = `${base}/${options.token}/${id}`;
    const redacted = url.replace(options.token, '***');
    let body: Record<string, unknown>;
    try {
      const res = await get(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      body = (await res.json()) as Record<string, unknown>;
    } catch (cause) {
      throw new HeroflowError(
        'HF_SUPERHERO_API',
        `pulling hero ${id} from ${redacted} failed (${(cause as Error).message}). Check the network and API_TOKEN, or load a superhero.json with --heroes FILE (or the bundled roster without API_TOKEN).`,
        { cause },
      );
    }
    if (body.error === 'invalid id') break;
    if (body.response !== 'success') {
      throw new HeroflowError(
        'HF_SUPERHERO_API',
        `the superhero API refused hero ${id}: ${JSON.stringify(body.error ?? body)}. A bad API_TOKEN answers "access denied"; check it.`,
      );
    }
    entries.push(body);
  }
  return parseRoster(entries, `${base}/***`);
}
