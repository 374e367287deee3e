import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isHeroflowError } from '../../src/errors.js';
import { generateRoster, loadRosterFile, parseRoster } from '../../src/simulator/index.js';
import { skipIfMissing } from '../helpers/skip.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The real roster lives beside the project (shared/data), never inside it.
const REAL_ROSTER = join(REPO_ROOT, '../shared/data/superhero.json');
const realMissing = skipIfMissing(
  existsSync(REAL_ROSTER) ? undefined : `real roster not found at ${REAL_ROSTER}`,
);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

describe('real superhero.json', { skip: realMissing }, () => {
  it('loads 732 heroes with upstream-derived stats', async () => {
    const roster = await loadRosterFile(REAL_ROSTER);
    assert.equal(roster.heroes.length, 732);
    const bomb = roster.get(1);
    assert.equal(bomb.name, 'A-Bomb');
    assert.equal(bomb.health, 3_040_000);
    assert.equal(bomb.attack, 26_112);
    assert.equal(roster.get(191).attack, 40_992);
    assert.equal(roster.get(732).name, 'Ironman');
    const health = roster.heroes.map((h) => h.health);
    const attack = roster.heroes.map((h) => h.attack);
    assert.equal(Math.min(...health), 10);
    assert.equal(Math.max(...health), 10_000_000);
    assert.equal(median(health), 401_800);
    assert.equal(Math.min(...attack), 1);
    assert.equal(Math.max(...attack), 1_000_000);
    assert.equal(median(attack), 74_378.5);
    const allOnes = roster.heroes.filter((h) => Object.values(h.powerstats).every((v) => v === 1));
    assert.equal(allOnes.length, 102);
  });
});

describe('roster file errors', () => {
  const bad = async (content: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'heroflow-roster-'));
    const path = join(dir, 'superhero.json');
    await writeFile(path, content);
    return path;
  };
  const rejectsWith = async (path: string, pattern: RegExp) => {
    await assert.rejects(loadRosterFile(path), (err: unknown) => {
      assert.ok(isHeroflowError(err, 'HF_ROSTER_INVALID'), String(err));
      assert.match(err.message, pattern);
      return true;
    });
  };

  it('names a missing file, bad JSON, a non-list, a bad powerstat and id gaps', async () => {
    await rejectsWith('/nonexistent/superhero.json', /cannot read/);
    await rejectsWith(await bad('{not json'), /not valid JSON/);
    await rejectsWith(await bad('{"id": "1"}'), /JSON list/);
    const hero = (id: string, strength = '10') => ({
      response: 'success',
      id,
      name: `H${id}`,
      powerstats: { intelligence: 'null', strength, speed: '0', durability: '5', power: '5', combat: '5' },
    });
    await rejectsWith(
      await bad(JSON.stringify([hero('1', 'lots')])),
      /entry 0 \(id 1\) has powerstats.strength = "lots"/,
    );
    await rejectsWith(await bad(JSON.stringify([hero('1'), hero('3')])), /without gaps/);
    await rejectsWith(
      await bad(JSON.stringify([{ response: 'error', error: 'invalid id' }])),
      /API error response/,
    );
    const ok = parseRoster([hero('1')]);
    assert.deepEqual(ok.get(1).powerstats, {
      intelligence: 1,
      strength: 10,
      speed: 1,
      durability: 5,
      power: 5,
      combat: 5,
    });
    assert.equal(ok.get(1).health, 1 * 10 * 5 * 10);
    assert.equal(ok.get(1).attack, 1 * 5 * 5);
  });
});

describe('generated roster', () => {
  it('resembles upstream: 732 heroes, ranges, medians, ~14 % all-null', () => {
    const roster = generateRoster();
    assert.equal(roster.heroes.length, 732);
    assert.deepEqual(
      roster.heroes.map((h) => h.id),
      Array.from({ length: 732 }, (_, i) => i + 1),
    );
    const health = roster.heroes.map((h) => h.health);
    const attack = roster.heroes.map((h) => h.attack);
    assert.equal(Math.min(...health), 10);
    assert.ok(
      Math.max(...health) <= 10_000_000 && Math.max(...health) >= 5_000_000,
      `max health ${Math.max(...health)}`,
    );
    assert.equal(Math.min(...attack), 1);
    assert.ok(
      Math.max(...attack) <= 1_000_000 && Math.max(...attack) >= 500_000,
      `max attack ${Math.max(...attack)}`,
    );
    // Upstream: 401,800 and 74,378.5.
    const mh = median(health);
    const ma = median(attack);
    assert.ok(mh >= 320_000 && mh <= 490_000, `health median ${mh}`);
    assert.ok(ma >= 60_000 && ma <= 90_000, `attack median ${ma}`);
    const allOnes = roster.heroes.filter((h) => Object.values(h.powerstats).every((v) => v === 1)).length;
    assert.ok(allOnes >= 80 && allOnes <= 125, `all-null heroes ${allOnes}`);
    for (const h of roster.heroes) {
      const p = h.powerstats;
      assert.equal(h.health, p.intelligence * p.strength * p.durability * 10);
      assert.equal(h.attack, p.speed * p.power * p.combat);
    }
    assert.equal(new Set(roster.heroes.map((h) => h.name)).size, 732, 'names are unique');
  });

  it('is deterministic per seed and differs across seeds', () => {
    assert.deepEqual(generateRoster().heroes, generateRoster().heroes);
    assert.deepEqual(generateRoster('x').heroes, generateRoster('x').heroes);
    assert.notDeepEqual(generateRoster('x').heroes, generateRoster('y').heroes);
  });
});
