/**
 * A bot written in this test straight from upstream.md §1.6 with bare `ws` (none of heroflow's player
 * code): login reconnecting after USER CREATED, find, lobby, and per turn one /game/hero connection to
 * query the others and one /game/action connection to attack. It must play full games unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Broker } from '../../src/brokers/types.js';
import { memoryBroker, RecordSink, replayGames, startServer, type TestServer, waitFor } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: a raw client reads frames as loosely as upstream's Python does.
type Frame = Record<string, any>;

/** Connect, send one frame, hand every received frame to `onFrame` until it returns true. */
function exchange(
  url: string,
  frame: Frame,
  onFrame: (f: Frame, ws: WebSocket) => boolean | Promise<boolean>,
) {
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url);
    let chain = Promise.resolve(false);
    ws.on('open', () => ws.send(JSON.stringify(frame)));
    ws.on('message', (data) => {
      chain = chain.then(async (done) => done || (await onFrame(JSON.parse(data.toString()), ws)));
      chain.then((done) => {
        if (done) {
          ws.close();
          resolve();
        }
      }, reject);
    });
    ws.on('error', reject);
  });
}

async function rawClient(base: string, name: string, games: number): Promise<string[]> {
  const played: string[] = [];
  for (let g = 0; g < games; g++) {
    let userToken: string | undefined;
    while (!userToken) {
      await exchange(`${base}/api/v1/login`, { PAYLOAD: { USER: name } }, (f) => {
        userToken = f.PAYLOAD?.USER_TOKEN;
        return true; // upstream reads one frame, then reconnects when it was USER CREATED
      });
    }
    let gameToken = '';
    await exchange(
      `${base}/api/v1/game/find`,
      { PAYLOAD: { USER_TOKEN: userToken, PARTICIPANTS: 2 + (g % 2) } },
      (f) => {
        gameToken = f.PAYLOAD?.GAME_TOKEN ?? '';
        return gameToken !== '';
      },
    );
    let others: string[] = [];
    await exchange(
      `${base}/api/v1/game/lobby`,
      { PAYLOAD: { GAME_TOKEN: gameToken, USER_TOKEN: userToken } },
      async (f) => {
        const status = f.STATUS?.GAME;
        if (status === 'START') others = f.PAYLOAD.PARTICIPANTS.filter((t: string) => t !== userToken);
        if (status === 'COMPLETE' || status === 'TIMED OUT') return true;
        if (status === "USER'S TURN") {
          const living: string[] = [];
          for (const other of others) {
            await exchange(
              `${base}/api/v1/game/hero`,
              { PAYLOAD: { GAME_TOKEN: gameToken, USER_TOKEN: other } },
              (h) => {
                if (h.PAYLOAD.HERO.health > 0) living.push(other);
                return true;
              },
            );
          }
          const enemy = living.length ? living[Math.floor(Math.random() * living.length)] : null;
          const attack = {
            GAME_TOKEN: gameToken,
            USER_TOKEN: userToken,
            ENEMY_TOKEN: enemy,
            ACTION: 'ATTACK',
          };
          await exchange(`${base}/api/v1/game/action`, { PAYLOAD: attack }, () => true);
        }
        return false;
      },
    );
    played.push(gameToken);
  }
  return played;
}

let broker: Broker;
let server: TestServer;
let sink: RecordSink;

before(async () => {
  broker = await memoryBroker();
  sink = await RecordSink.open(broker);
  server = await startServer({ broker });
});
after(async () => {
  await server.close();
  await sink.close();
  await broker.close();
});

describe('a bot written from the upstream spec', () => {
  it('plays full games against the server unchanged', async () => {
    const played = await Promise.all(
      Array.from({ length: 12 }, (_, i) => rawClient(server.url, `USER${String(i).padStart(3, '0')}`, 3)),
    );
    const tokens = new Set(played.flat());
    await waitFor(() => replayableCount(sink) >= tokens.size);
    const games = replayGames(sink.records);
    assert.ok(games.size >= 8, `most games were played to the end (${games.size})`);
    for (const token of games.keys()) assert.ok(tokens.has(token));
  });
});

function replayableCount(s: RecordSink): number {
  return new Set(
    s.records
      .filter((r) => r.log_message === 'Cleaning Game Records' || r.log_message === 'Game Timed Out')
      .map((r) =>
        typeof r.task === 'string'
          ? JSON.parse(r.task).PAYLOAD.GAME_TOKEN
          : (r.task as { game_token: string }).game_token,
      ),
  ).size;
}
