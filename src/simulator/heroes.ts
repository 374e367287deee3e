/**
 * Heroes and the upstream stat derivation (py-superhero build_db.py `clean_powerstats`, see
 * shared/reference/upstream.md §1.3): powerstats arrive as strings, `"null"` and `"0"` count as 1,
 * `health = intelligence·strength·durability·10`, `attack = speed·power·combat` (no ×10, whatever the
 * upstream README says — the blog's hero 191 "Crystal" has attack 40,992 = 12·61·56).
 */

export const POWERSTAT_NAMES = [
  'intelligence',
  'strength',
  'speed',
  'durability',
  'power',
  'combat',
] as const;
export type PowerstatName = (typeof POWERSTAT_NAMES)[number];
export type Powerstats = Record<PowerstatName, number>;

export interface Hero {
  id: number;
  name: string;
  powerstats: Powerstats;
  attack: number;
  health: number;
}

/** One powerstat as upstream reads it; `undefined` when the text is not a number at all. */
export function parsePowerstat(raw: unknown): number | undefined {
  if (raw === 'null' || raw === null || raw === '0' || raw === 0) return 1;
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  return Number.isInteger(n) && n >= 0 ? n || 1 : undefined;
}

export function deriveAttack(p: Powerstats): number {
  return p.speed * p.power * p.combat;
}

export function deriveHealth(p: Powerstats): number {
  return p.intelligence * p.strength * p.durability * 10;
}

export function makeHero(id: number, name: string, powerstats: Powerstats): Hero {
  return { id, name, powerstats, attack: deriveAttack(powerstats), health: deriveHealth(powerstats) };
}
