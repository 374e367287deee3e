import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEADER_MSG_ID } from '../../src/brokers/types.js';
import { isRejection, parseRecord, type RecordValues, type Rejection } from '../../src/etl/record.js';
import { attackFrame, delivery, envelope, pyDumps, startFrame } from './fixtures.js';

const HEROES = [
  { token: 'b7c1e3a0-0000-4000-8000-000000000001', id: 191, attack: 40992, health: 3040000 },
  { token: 'b7c1e3a0-0000-4000-8000-000000000002', id: 1, attack: 26112, health: 10 },
];
const GAME = '5f0e8d1c-0000-4000-8000-00000000000a';

function ok(r: RecordValues | Rejection): RecordValues {
  assert.ok(!isRejection(r), `expected rows, got ${JSON.stringify(r)}`);
  return r;
}

function rejected(r: RecordValues | Rejection): Rejection {
  assert.ok(isRejection(r), 'expected a rejection');
  return r;
}

const startMatch = (task: unknown) =>
  envelope('kafka.lib.server.lobby', 'Starting Match', '2023-09-01T14:02:03.123456', task);

describe('parseRecord', () => {
  it('reads a Starting Match with its task as a JSON string (Kafka handler)', () => {
    const task = pyDumps(startFrame('2023-09-01T12:02:03Z', GAME, HEROES));
    const v = ok(parseRecord(delivery(pyDumps(startMatch(task)), { offset: 7n, topic: 'lib.server.lobby' })));
    assert.equal(v.level, 'INFO');
    assert.equal(v.name, 'kafka.lib.server.lobby');
    assert.equal(v.logMessage, 'Starting Match');
    // isoformat() local wall clock, kept as a naive value, truncated to ms
    assert.equal(v.timestamp, Date.UTC(2023, 8, 1, 14, 2, 3, 123));
    assert.equal(v.msgId, 'lib.server.lobby/0@7');
    assert.deepEqual(v.lobby, {
      timestamp: Date.UTC(2023, 8, 1, 12, 2, 3),
      gameToken: GAME,
      heroes: HEROES.map((h) => ({ userToken: h.token, id: h.id, attack: h.attack, health: h.health })),
    });
    assert.equal(v.game, null);
  });

  it('accepts task as an object and the whole envelope double-encoded (Redis handler)', () => {
    const frame = startFrame('2023-09-01T12:02:03Z', GAME, HEROES);
    const asObject = ok(parseRecord(delivery(pyDumps(startMatch(frame)))));
    const redis = ok(parseRecord(delivery(JSON.stringify(pyDumps(startMatch(pyDumps(frame)))))));
    assert.deepEqual(asObject.lobby, redis.lobby);
    assert.equal(redis.lobby?.heroes.length, 2);
  });

  it('keeps a participant without a hero ({"id": null, "attack": 0, "health": 0}) with a null id, as upstream does', () => {
    const frame = startFrame('2023-09-01T12:02:03Z', GAME, HEROES) as Record<string, unknown>;
    const payload = frame.PAYLOAD as { PARTICIPANTS_HEROS: Record<string, Record<string, unknown>> };
    payload.PARTICIPANTS_HEROS[HEROES[1].token] = { id: null, attack: 0, health: 0 };
    const v = ok(parseRecord(delivery(pyDumps(startMatch(pyDumps(frame))))));
    assert.deepEqual(
      v.lobby?.heroes.map((h) => h.id),
      [191, null],
    );
    // Only null stands for "no hero": a missing id is still a malformed record.
    delete payload.PARTICIPANTS_HEROS[HEROES[1].token].id;
    assert.equal(
      rejected(parseRecord(delivery(pyDumps(startMatch(pyDumps(frame)))))).reason,
      'missing_field',
    );
  });

  it('accepts hero stats read back from Redis as decimal strings, and a START frame without TIMESTAMP', () => {
    const frame = startFrame('x', GAME, HEROES) as Record<string, unknown>;
    delete frame.TIMESTAMP;
    const payload = frame.PAYLOAD as { PARTICIPANTS_HEROS: Record<string, Record<string, unknown>> };
    payload.PARTICIPANTS_HEROS[HEROES[0].token].id = '191';
    const v = ok(parseRecord(delivery(pyDumps(startMatch(pyDumps(frame))))));
    assert.equal(v.lobby?.timestamp, null);
    assert.equal(v.lobby?.heroes[0].id, 191);
  });

  it('reads an Attack Completed with either TIMESTAMP format, truncated to whole seconds', () => {
    for (const [stamp, want] of [
      ['2023-09-01T12:02:03Z', Date.UTC(2023, 8, 1, 12, 2, 3)],
      ['2024-01-13T09:08:07.654321', Date.UTC(2024, 0, 13, 9, 8, 7)],
    ] as const) {
      const task = pyDumps(attackFrame(stamp, GAME, HEROES[0].token, HEROES[1].token, 40992, 10));
      const env = envelope('kafka.lib.server.game', 'Attack Completed', '2023-09-01T12:02:03.000001', task);
      const v = ok(parseRecord(delivery(pyDumps(env))));
      assert.deepEqual(v.game, {
        timestamp: want,
        gameToken: GAME,
        userToken: HEROES[0].token,
        action: 'ATTACK',
        enemyToken: HEROES[1].token,
        damage: 40992,
        healthPrior: 10,
        healthPost: 0,
      });
    }
  });

  it('gives log rows only for other messages, whatever their task', () => {
    const cleaning = envelope('kafka.lib.server.lobby', 'Cleaning Game Records', '2023-09-01T12:00:00', {
      game_token: GAME,
      user_token: HEROES[0].token,
    });
    const v = ok(parseRecord(delivery(pyDumps(cleaning))));
    assert.equal(v.lobby, null);
    assert.equal(v.game, null);
    const odd = envelope('x', 'Game Timed Out', '2023-09-01T12:00:00Z', 'not json {');
    assert.equal(ok(parseRecord(delivery(pyDumps(odd)))).timestamp, Date.UTC(2023, 8, 1, 12));
  });

  it('takes msg_id from the header, else the position, else the delivery id', () => {
    const value = pyDumps(envelope('n', 'm', '2023-09-01T12:00:00'));
    assert.equal(
      ok(parseRecord(delivery(value, { offset: 3n, headers: { [HEADER_MSG_ID]: 'abc' } }))).msgId,
      'abc',
    );
    assert.equal(ok(parseRecord(delivery(value, { offset: 3n, partition: 2, topic: 't' }))).msgId, 't/2@3');
    assert.equal(ok(parseRecord(delivery(value, { id: 'tag-9' }))).msgId, 'tag-9');
  });

  it('rejects malformed input with a reason and the field to blame', () => {
    const attack = (details: Record<string, unknown>) => {
      const frame = attackFrame('2023-09-01T12:02:03Z', GAME, 'u', 'e', 1, 2);
      Object.assign(frame.STATUS.DETAILS, details);
      return pyDumps(envelope('g', 'Attack Completed', '2023-09-01T12:00:00', pyDumps(frame)));
    };
    const cases: [string | Uint8Array, Rejection][] = [
      ['not json', { reason: 'not_json' }],
      [new Uint8Array([0x7b, 0xff, 0x7d]), { reason: 'not_utf8' }],
      ['[1, 2]', { reason: 'not_object' }],
      [
        pyDumps({ level: 'INFO', timestamp: '2023-09-01T12:00:00', name: 'n' }),
        { reason: 'missing_field', field: 'log_message' },
      ],
      [
        pyDumps({ level: 5, timestamp: '2023-09-01T12:00:00', name: 'n', log_message: 'm' }),
        { reason: 'wrong_type', field: 'level' },
      ],
      [pyDumps(envelope('n', 'm', '2023-02-30T12:00:00')), { reason: 'bad_timestamp', field: 'timestamp' }],
      [
        pyDumps(envelope('n', 'Attack Completed', '2023-09-01T12:00:00', '{oops')),
        { reason: 'not_json', field: 'task' },
      ],
      [
        pyDumps(envelope('n', 'Attack Completed', '2023-09-01T12:00:00')),
        { reason: 'missing_field', field: 'task' },
      ],
      [attack({ ENEMY_DAMAGE: -1 }), { reason: 'out_of_range', field: 'task.STATUS.DETAILS.ENEMY_DAMAGE' }],
      [
        attack({ ENEMY_DAMAGE: 2 ** 60 }),
        { reason: 'out_of_range', field: 'task.STATUS.DETAILS.ENEMY_DAMAGE' },
      ],
      [
        attack({ ENEMY_HEALTH_POST: 1.5 }),
        { reason: 'wrong_type', field: 'task.STATUS.DETAILS.ENEMY_HEALTH_POST' },
      ],
      [attack({ ENEMY_TOKEN: 7 }), { reason: 'wrong_type', field: 'task.STATUS.DETAILS.ENEMY_TOKEN' }],
    ];
    for (const [value, want] of cases)
      assert.deepEqual(rejected(parseRecord(delivery(value))), want, String(value));

    const big = startFrame('2023-09-01T12:02:03Z', GAME, [{ ...HEROES[0], id: 70000 }]);
    const r = rejected(parseRecord(delivery(pyDumps(startMatch(pyDumps(big))))));
    assert.deepEqual(r, {
      reason: 'out_of_range',
      field: `task.PAYLOAD.PARTICIPANTS_HEROS.${HEROES[0].token}.id`,
    });
  });
});
