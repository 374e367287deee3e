/** The upstream protocol's edges: missing-field error frames, non-JSON frames, unknown paths, login frames. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Broker } from '../../src/brokers/types.js';
import { FrameSocket } from '../../src/player/index.js';
import { ERRORS, PATHS, REQUIRED } from '../../src/server/index.js';
import { memoryBroker, startServer, type TestServer } from './helpers.js';

let broker: Broker;
let server: TestServer;

before(async () => {
  broker = await memoryBroker();
  server = await startServer({ broker });
});
after(async () => {
  await server.close();
  await broker.close();
});

async function ask(path: string, frame: unknown): Promise<Record<string, unknown>> {
  const socket = await FrameSocket.open(server.url + path);
  try {
    socket.send(frame);
    return await socket.recv();
  } finally {
    socket.close();
  }
}

/** A full valid payload per path, so that dropping one field at a time isolates that field's error. */
const FULL: Record<keyof typeof PATHS, Record<string, unknown>> = {
  login: { USER: 'USER001' },
  find: { USER_TOKEN: 'u', PARTICIPANTS: 2 },
  lobby: { GAME_TOKEN: 'g', USER_TOKEN: 'u' },
  hero: { GAME_TOKEN: 'g', USER_TOKEN: 'u' },
  action: { GAME_TOKEN: 'g', USER_TOKEN: 'u', ENEMY_TOKEN: 'e', ACTION: 'ATTACK' },
};

describe('protocol errors', () => {
  for (const route of Object.keys(PATHS) as Array<keyof typeof PATHS>) {
    it(`${PATHS[route]}: a frame without PAYLOAD and each missing field get upstream's error frame`, async () => {
      assert.deepEqual(await ask(PATHS[route], { NOT_PAYLOAD: {} }), {
        PAYLOAD: {},
        STATUS: ERRORS.payload,
      });
      for (const [field, error] of REQUIRED[route]) {
        const payload = { ...FULL[route] };
        delete payload[field];
        assert.deepEqual(
          await ask(PATHS[route], { PAYLOAD: payload }),
          { PAYLOAD: {}, STATUS: error },
          field,
        );
      }
    });
  }

  it('the error strings are upstream’s, spelling included', () => {
    assert.deepEqual(
      [...new Set(Object.values(REQUIRED).flatMap((fields) => fields.map(([, e]) => e)))].sort(),
      [
        'MISSING ACTION IN PAYLOAD',
        'MISSING ENEMY TOKEN IN PAYLOAD',
        'MISSING GAME TOKEN IN PAYLOAD',
        'MISSING PARTICIPANTS IN PAYLOAD',
        'MISSING USER IN PAYLOAD',
        'MISSING USER TOKEN IN PAYLOAD',
      ],
    );
  });

  it('a non-JSON frame closes that socket with 1007 and a reason; other sockets keep working', async () => {
    const other = await FrameSocket.open(server.url + PATHS.login);
    const bad = new WebSocket(server.url + PATHS.login);
    await new Promise((resolve) => bad.once('open', resolve));
    const closed = new Promise<[number, string]>((resolve) =>
      bad.once('close', (code, reason) => resolve([code, reason.toString()])),
    );
    bad.send('this is not json');
    const [code, reason] = await closed;
    assert.equal(code, 1007);
    assert.match(reason, /not JSON/);
    other.send({ PAYLOAD: { USER: 'USER777' } });
    const frames = [await other.recv(), await other.recv()];
    assert.equal((frames[1].PAYLOAD as { USER_TOKEN?: string }).USER_TOKEN?.length, 36);
    other.close();
  });

  it('an unknown path is closed with 1008', async () => {
    const ws = new WebSocket(`${server.url}/api/v2/nope`);
    const [code] = await new Promise<[number]>((resolve) => ws.once('close', (c) => resolve([c])));
    assert.equal(code, 1008);
  });
});

describe('protocol frames', () => {
  it('login: a new user gets USER CREATED then its token; the same name gets the same token later', async () => {
    const socket = await FrameSocket.open(server.url + PATHS.login);
    socket.send({ PAYLOAD: { USER: 'USER123' } });
    assert.deepEqual(await socket.recv(), { PAYLOAD: {}, STATUS: 'USER CREATED' });
    const token = ((await socket.recv()).PAYLOAD as { USER_TOKEN: string }).USER_TOKEN;
    socket.close();
    assert.deepEqual(await ask(PATHS.login, { PAYLOAD: { USER: 'USER123' } }), {
      PAYLOAD: { USER_TOKEN: token },
    });
  });

  it('find answers GAME_TOKEN and HERO_ID with JOINED "SUCESS"; hero answers HERO SPEC; unknown → id null', async () => {
    // find does not check that the token came from a login (upstream neither).
    const login = 'token-of-a-player';
    const found = await ask(PATHS.find, { PAYLOAD: { USER_TOKEN: login, PARTICIPANTS: 3 } });
    assert.deepEqual(found.STATUS, { JOINED: 'SUCESS' });
    const { GAME_TOKEN: game, HERO_ID: heroId } = found.PAYLOAD as { GAME_TOKEN: string; HERO_ID: number };
    assert.ok(Number.isInteger(heroId) && heroId >= 1);
    const hero = await ask(PATHS.hero, { PAYLOAD: { GAME_TOKEN: game, USER_TOKEN: login } });
    assert.deepEqual(hero.STATUS, { GAME: 'HERO SPEC' });
    assert.equal((hero.PAYLOAD as { HERO: { id: number } }).HERO.id, heroId);
    const unknown = await ask(PATHS.hero, { PAYLOAD: { GAME_TOKEN: game, USER_TOKEN: 'nobody' } });
    assert.deepEqual((unknown.PAYLOAD as { HERO: unknown }).HERO, {
      token: 'nobody',
      id: null,
      attack: 0,
      health: 0,
    });
  });

  it('a lobby for an unknown game answers TIMED OUT', async () => {
    const frame = await ask(PATHS.lobby, { PAYLOAD: { GAME_TOKEN: 'no-such-game', USER_TOKEN: 'u' } });
    assert.deepEqual(frame.STATUS, { GAME: 'TIMED OUT' });
    assert.match(String(frame.TIMESTAMP), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
