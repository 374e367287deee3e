import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng, Game, makeHero, pickHero, rosterFromHeroes } from '../../src/simulator/index.js';

const stats = (n: number) => ({ intelligence: n, strength: n, speed: n, durability: n, power: n, combat: n });

describe('Game rules', () => {
  it('orders turns by token, floors health at 0, removes the dead, ends with one winner', () => {
    const weak = makeHero(1, 'Weak', stats(1)); // health 10, attack 1
    const strong = makeHero(2, 'Strong', stats(3)); // health 270, attack 27
    const mid = makeHero(3, 'Mid', stats(2)); // health 80, attack 8
    const game = new Game('g', 3);
    game.join('c-user', weak);
    game.join('a-user', strong);
    game.join('b-user', mid);
    assert.throws(() => game.join('d-user', makeHero(2, 'Dup', stats(1))), /already/);
    game.start();
    assert.deepEqual(game.turnOrder, ['a-user', 'b-user', 'c-user']);
    assert.equal(game.current, 'a-user');

    const r1 = game.attack('a-user', 'c-user');
    assert.deepEqual(r1, {
      attacker: 'a-user',
      enemy: 'c-user',
      damage: 27,
      prior: 10,
      post: 0,
      killed: true,
    });
    assert.deepEqual(game.turnOrder, ['b-user', 'a-user'], 'dead player left, attacker rotated to the back');
    assert.throws(() => game.attack('a-user', 'b-user'), /not a-user's turn/);
    assert.throws(() => game.attack('b-user', 'c-user'), /already dead/);
    assert.deepEqual(game.livingOpponents('b-user'), ['a-user']);

    const r2 = game.attack('b-user', 'a-user');
    assert.equal(r2.prior - r2.damage, r2.post);
    assert.equal(game.heroSpec('a-user').health, 262);
    while (!game.finished) game.playTurn(createRng(1));
    assert.equal(game.winner, 'a-user');
    assert.equal(game.current, undefined);
    assert.deepEqual(game.heroSpec('nobody'), { token: 'nobody', id: null, attack: 0, health: 0 });
  });

  it('pickHero never repeats a hero within a game', () => {
    const roster = rosterFromHeroes(
      [1, 2, 3].map((id) => makeHero(id, `H${id}`, stats(id))),
      'test',
    );
    const rng = createRng('pick');
    for (let round = 0; round < 50; round++) {
      const taken = new Set<number>();
      for (let i = 0; i < 3; i++) taken.add(pickHero(roster, taken, rng).id);
      assert.deepEqual([...taken].sort(), [1, 2, 3]);
    }
  });
});

describe('createRng', () => {
  it('is reproducible, ranges inclusive, uuid-shaped tokens', () => {
    const a = createRng(42);
    const b = createRng(42);
    const draws = Array.from({ length: 1000 }, () => a.int(2, 3));
    assert.deepEqual(
      draws,
      Array.from({ length: 1000 }, () => b.int(2, 3)),
    );
    assert.deepEqual(new Set(draws), new Set([2, 3]));
    const share = draws.filter((d) => d === 2).length / draws.length;
    assert.ok(share > 0.45 && share < 0.55, `randint(2,3) share ${share}`);
    assert.match(
      createRng('t').uuid(),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.notEqual(createRng(1).next(), createRng(2).next());
  });
});
