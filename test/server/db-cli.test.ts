/**
 * `heroflow db load` (file, bundled roster, the superhero API over real HTTP including its failures) and
 * `--help` of every simulator-service command listing every flag.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { buildProgram, main } from '../../src/cli/index.js';
import { SETTINGS } from '../../src/config/index.js';
import { isHeroflowError } from '../../src/errors.js';
import { pullHeroes } from '../../src/server/index.js';
import { runCli } from '../helpers/cli.js';
import { skipUnlessService } from '../helpers/services.js';

const entry = (id: number) => ({
  response: 'success',
  id: String(id),
  name: `Hero ${id}`,
  powerstats: {
    intelligence: '10',
    strength: '20',
    speed: '30',
    durability: 'null',
    power: '5',
    combat: '2',
  },
});

/** A stand-in superhero API on loopback: ids 1…3, then `invalid id`; token `bad` is denied. */
async function fakeApi(): Promise<{ base: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const [, , token, id] = (req.url ?? '').split('/');
    res.setHeader('content-type', 'application/json');
    if (token === 'bad') return res.end(JSON.stringify({ response: 'error', error: 'access denied' }));
    const n = Number(id);
    res.end(JSON.stringify(n <= 3 ? entry(n) : { response: 'error', error: 'invalid id' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('db load', async () => {
  const skip = await skipUnlessService('redis');

  it('loads a superhero.json into `superheros` with health and attack derived', { skip }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hf-db-'));
    const file = join(dir, 'superhero.json');
    await writeFile(file, JSON.stringify([entry(1), entry(2), entry(3)]));
    const redis = new Redis('redis://127.0.0.1:6379/8');
    try {
      await redis.flushdb();
      const code = await main([
        'node',
        'heroflow',
        'db',
        'load',
        '--heroes',
        file,
        '--state',
        'redis://127.0.0.1:6379/8',
      ]);
      assert.equal(code, 0);
      assert.equal(await redis.hlen('superheros'), 3);
      const hero = JSON.parse((await redis.hget('superheros', '2'))!);
      assert.equal(hero.name, 'Hero 2');
      assert.equal(hero.powerstats.health, 10 * 20 * 1 * 10);
      assert.equal(hero.powerstats.attack, 30 * 5 * 2);
      assert.equal(await main(['node', 'heroflow', 'db', 'load', '--state', 'redis://127.0.0.1:6379/8']), 0);
      assert.ok((await redis.hlen('superheros')) > 3, 'the bundled roster replaces it');
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a memory:// state (nothing outside a server could read it)', async () => {
    assert.equal(await main(['node', 'heroflow', 'db', 'load', '--state', 'memory://']), 2);
  });

  it('says an unreachable Redis is missing, and exits (the real binary: nothing keeps it alive)', () => {
    // Port 1 on loopback refuses at once; ioredis used to go on reconnecting after the error.
    const r = runCli(['db', 'load', '--state', 'redis://127.0.0.1:1/0'], {}, { timeoutMs: 60_000 });
    assert.equal(r.signal, null, `still running at the timeout: ${r.stderr}`);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /HF_SERVICE_MISSING/);
  });

  it('pulls ids 1, 2, … from the API until "invalid id"', async () => {
    const api = await fakeApi();
    try {
      const roster = await pullHeroes({ token: 'good', baseUrl: api.base });
      assert.deepEqual(
        roster.heroes.map((h) => h.name),
        ['Hero 1', 'Hero 2', 'Hero 3'],
      );
    } finally {
      await api.close();
    }
  });

  it('says clearly when the token is refused or the network fails', async () => {
    const api = await fakeApi();
    try {
      await assert.rejects(pullHeroes({ token: 'bad', baseUrl: api.base }), (err) => {
        assert.ok(isHeroflowError(err, 'HF_SUPERHERO_API'));
        assert.match(err.message, /access denied/);
        assert.doesNotMatch(err.message, /\/bad\//, 'the token is not printed');
        return true;
      });
    } finally {
      await api.close();
    }
    await assert.rejects(
      pullHeroes({ token: 'secret', baseUrl: 'http://127.0.0.1:1/api', timeoutMs: 2000 }),
      (err) => {
        assert.ok(isHeroflowError(err, 'HF_SUPERHERO_API'));
        assert.match(err.message, /hero 1 .* failed .*API_TOKEN/);
        assert.doesNotMatch(err.message, /secret/);
        return true;
      },
    );
  });
});

describe('service commands --help', () => {
  const expected: Record<string, Array<keyof typeof SETTINGS>> = {
    server: [
      'websocketHost',
      'websocketPort',
      'gameState',
      'broker',
      'serverSleep',
      'lobbyTimeout',
      'heroes',
    ],
    player: ['serverUrl', 'games', 'clientSleep'],
    players: ['botCount', 'serverUrl', 'games', 'clientSleep'],
    clean: ['broker', 'gameState', 'redisExpiry', 'cleanGroup'],
  };
  for (const [name, settings] of Object.entries(expected)) {
    it(`${name} --help lists its flags with their upstream env names`, () => {
      const cmd = buildProgram().commands.find((c) => c.name() === name)!;
      const help = cmd.helpInformation();
      for (const s of settings) {
        const def = SETTINGS[s] as { flag: string; env?: string };
        assert.ok(help.includes(def.flag.split(' ')[0]), `${name}: ${def.flag}`);
        if (def.env) assert.ok(help.includes(def.env), `${name}: ${def.env}`);
      }
      for (const option of cmd.options) assert.ok(option.description.length > 0, `${option.flags} has help`);
    });
  }
  it('db load --help lists --heroes, --api-token and --state', () => {
    const load = buildProgram()
      .commands.find((c) => c.name() === 'db')!
      .commands.find((c) => c.name() === 'load')!;
    const help = load.helpInformation();
    for (const flag of ['--heroes', '--api-token', 'API_TOKEN', '--state', 'REDIS_HOST'])
      assert.ok(help.includes(flag), flag);
  });
});
