import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEADER_MSG_ID } from '../../src/brokers/types.js';
import type { AttackFrame, CleaningTask, HeroSpec, StartFrame } from '../../src/simulator/index.js';
import { playRecorded, roster, task } from './helpers.js';

describe('tournament', () => {
  it('plays by the rules and logs exactly the upstream records', async () => {
    const players = 13;
    const gamesPerPlayer = 6;
    const { summary, published, counts } = await playRecorded({ players, gamesPerPlayer, seed: 7 });

    // Every record went to the topic named by its queue, under the right logger name.
    const names: Record<string, string> = {
      'lib.server.lobby': 'redis.lib.server.lobby',
      'lib.server.game': 'redis.lib.server.game',
      'client.__main__': 'redis.client.__main__',
    };
    for (const p of published) {
      assert.equal(p.envelope.name, names[p.topic]);
      assert.equal(p.envelope.level, 'INFO');
    }
    const perTopic: Record<string, number> = {};
    for (const p of published) perTopic[p.topic] = (perTopic[p.topic] ?? 0) + 1;
    assert.deepEqual(perTopic, summary.messages);
    assert.deepEqual(counts, summary.messages);

    const client = published.filter((p) => p.topic === 'client.__main__');
    assert.equal(client.length, players * gamesPerPlayer);
    assert.ok(client.every((p) => /^Starting Game [1-6]$/.test(p.envelope.log_message as string)));
    assert.ok(client.every((p) => !('task' in p.envelope)));

    // Replay the games from the records and check every rule.
    type State = {
      heroes: Record<string, HeroSpec>;
      health: Record<string, number>;
      order: string[];
      cleaned: Set<string>;
    };
    const games = new Map<string, State>();
    let attacks = 0;
    let timedOut = 0;
    for (const p of published) {
      const msg = p.envelope.log_message;
      if (msg === 'Starting Match') {
        assert.equal(typeof p.envelope.task, 'string', 'Starting Match task is a JSON string');
        const frame = task<StartFrame>(p);
        assert.deepEqual(Object.keys(frame), ['TIMESTAMP', 'PAYLOAD', 'STATUS']);
        assert.match(frame.TIMESTAMP, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.deepEqual(frame.STATUS, { GAME: 'START' });
        const { GAME_TOKEN, PARTICIPANTS, PARTICIPANTS_HEROS } = frame.PAYLOAD;
        assert.ok(!games.has(GAME_TOKEN), 'Starting Match once per game');
        assert.ok(PARTICIPANTS.length === 2 || PARTICIPANTS.length === 3);
        assert.deepEqual(Object.keys(PARTICIPANTS_HEROS).sort(), [...PARTICIPANTS].sort());
        const ids = PARTICIPANTS.map((t) => PARTICIPANTS_HEROS[t].id);
        assert.equal(new Set(ids).size, ids.length, 'one unique hero per player per game');
        for (const t of PARTICIPANTS) {
          const spec = PARTICIPANTS_HEROS[t];
          assert.deepEqual(Object.keys(spec), ['token', 'id', 'attack', 'health']);
          const hero = roster.get(spec.id as number);
          assert.deepEqual(spec, { token: t, id: hero.id, attack: hero.attack, health: hero.health });
        }
        games.set(GAME_TOKEN, {
          heroes: PARTICIPANTS_HEROS,
          health: Object.fromEntries(PARTICIPANTS.map((t) => [t, PARTICIPANTS_HEROS[t].health])),
          order: [...PARTICIPANTS].sort(),
          cleaned: new Set(),
        });
      } else if (msg === 'Attack Completed') {
        attacks++;
        const frame = task<AttackFrame>(p);
        assert.deepEqual(Object.keys(frame.STATUS.DETAILS), [
          'ENEMY_TOKEN',
          'ENEMY_DAMAGE',
          'ENEMY_HEALTH_PRIOR',
          'ENEMY_HEALTH_POST',
        ]);
        assert.equal(frame.STATUS.ACTION, 'ATTACK');
        const g = games.get(frame.PAYLOAD.GAME_TOKEN)!;
        const attacker = frame.PAYLOAD.USER_TOKEN;
        const d = frame.STATUS.DETAILS;
        assert.equal(attacker, g.order[0], 'the head of the lexicographic order attacks');
        assert.notEqual(d.ENEMY_TOKEN, attacker);
        assert.equal(d.ENEMY_DAMAGE, g.heroes[attacker].attack, 'damage = attack');
        assert.equal(d.ENEMY_HEALTH_PRIOR, g.health[d.ENEMY_TOKEN], 'prior = last post');
        assert.ok(d.ENEMY_HEALTH_PRIOR > 0, 'never attacks the dead');
        assert.equal(d.ENEMY_HEALTH_POST, Math.max(d.ENEMY_HEALTH_PRIOR - d.ENEMY_DAMAGE, 0));
        g.health[d.ENEMY_TOKEN] = d.ENEMY_HEALTH_POST;
        if (d.ENEMY_HEALTH_POST === 0) g.order = g.order.filter((t) => t !== d.ENEMY_TOKEN);
        g.order.push(g.order.shift()!);
      } else if (msg === 'Cleaning Game Records') {
        const t = p.envelope.task as CleaningTask;
        assert.equal(typeof t, 'object', 'Cleaning task is a dict');
        assert.deepEqual(Object.keys(t), ['game_token', 'user_token']);
        const g = games.get(t.game_token);
        if (g) {
          assert.ok(g.heroes[t.user_token], 'cleaning names a participant');
          assert.ok(!g.cleaned.has(t.user_token));
          g.cleaned.add(t.user_token);
        }
      } else if (msg === 'Game Timed Out') {
        timedOut++;
        const frame = task<{ STATUS: unknown; PAYLOAD: unknown }>(p);
        assert.deepEqual(frame.STATUS, { GAME: 'TIMED OUT' });
      } else {
        assert.equal(p.topic, 'client.__main__', `unexpected message ${msg}`);
      }
    }
    assert.equal(games.size, summary.games);
    assert.equal(attacks, summary.attacks);
    assert.equal(timedOut, summary.timedOut);
    let participants = 0;
    for (const [token, g] of games) {
      const alive = Object.entries(g.health).filter(([, h]) => h > 0);
      assert.equal(alive.length, 1, 'exactly one winner');
      assert.ok(Object.values(g.health).every((h) => h >= 0));
      assert.equal(g.cleaned.size, Object.keys(g.heroes).length, 'one Cleaning record per participant');
      assert.equal(summary.results.find((r) => r.gameToken === token)?.winner, alive[0][0]);
      participants += Object.keys(g.heroes).length;
    }
    assert.equal(participants, summary.participants);
    assert.ok(summary.longestGame < 2000, `longest game ${summary.longestGame} attacks`);
    const slots = summary.results.reduce((n, r) => n + r.participants.length, 0);
    assert.equal(slots, players * gamesPerPlayer, 'every player played every game (timed-out ones count)');
  });

  it('repeats itself for a seed (records equal apart from message ids)', async () => {
    const a = await playRecorded({ players: 7, gamesPerPlayer: 3, seed: 'same' });
    const b = await playRecorded({ players: 7, gamesPerPlayer: 3, seed: 'same' });
    const c = await playRecorded({ players: 7, gamesPerPlayer: 3, seed: 'other' });
    const strip = (r: typeof a) => r.published.map((p) => `${p.topic} ${p.text}`);
    assert.deepEqual(strip(a), strip(b));
    assert.notDeepEqual(strip(a), strip(c));
    const ids = [...a.published, ...b.published].map((p) => p.headers[HEADER_MSG_ID]);
    assert.equal(new Set(ids).size, ids.length, 'message ids are unique');
    assert.deepEqual({ ...a.summary, results: undefined }, { ...b.summary, results: undefined });
  });
});
