import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { openBroker } from '../../src/brokers/index.js';
import { HEADER_MSG_ID, type Message } from '../../src/brokers/types.js';
import { isHeroflowError } from '../../src/errors.js';
import { createBrokerDestination, createSimulatorLogger } from '../../src/transport/index.js';

function fakeBroker() {
  const batches: Message[][] = [];
  return {
    batches,
    all: () => batches.flat(),
    async publish(messages: Message[]) {
      batches.push(messages);
    },
  };
}

const decode = (m: Message) => JSON.parse(Buffer.from(m.value).toString('utf8')) as Record<string, unknown>;

describe('in-thread broker destination', () => {
  it('publishes only queue-carrying records, to topic = queue, as the upstream envelope, in batches', async () => {
    const broker = fakeBroker();
    const destination = createBrokerDestination(broker, { batchSize: 3 });
    const root = pino({ base: undefined, level: 'debug' }, destination);
    const lobby = root.child({ name: 'rabbit.lib.server.lobby' });
    const game = root.child({ name: 'rabbit.lib.server.game' });
    lobby.info({ queue: 'lib.server.lobby', task: '{"STATUS": {"GAME": "START"}}' }, 'Starting Match');
    lobby.error('User: x | No Available Games to Join - Retrying Search'); // no queue: stays local
    lobby.debug({ queue: 'lib.server.lobby' }, 'Decorator Validating User Token');
    lobby.info(
      { queue: 'lib.server.lobby', task: { game_token: 'g', user_token: 'u' } },
      'Cleaning Game Records',
    );
    game.error({ queue: 'lib.server.game', task: '{"STATUS": {"ACTION": "NA"}}' }, 'Attacked Dead Enemy');
    await destination.flush();

    const all = broker.all();
    assert.deepEqual(
      all.map((m) => m.topic),
      ['lib.server.lobby', 'lib.server.lobby', 'lib.server.lobby', 'lib.server.game'],
    );
    assert.deepEqual(
      broker.batches.map((b) => b.length),
      [3, 1],
    );
    const [start, debug, cleaning, dead] = all.map(decode);
    assert.deepEqual(Object.keys(start), ['level', 'timestamp', 'name', 'log_message', 'task']);
    assert.equal(start.level, 'INFO');
    assert.equal(start.name, 'rabbit.lib.server.lobby');
    assert.equal(start.log_message, 'Starting Match');
    assert.equal(start.task, '{"STATUS": {"GAME": "START"}}', 'a string task stays a string');
    assert.match(start.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    assert.deepEqual(Object.keys(debug), ['level', 'timestamp', 'name', 'log_message']);
    assert.equal(debug.level, 'DEBUG');
    assert.deepEqual(cleaning.task, { game_token: 'g', user_token: 'u' }, 'a dict task stays a dict');
    assert.equal(dead.level, 'ERROR');
    // Python's json.dumps spacing.
    assert.match(Buffer.from(all[0].value).toString(), /^\{"level": "INFO", "timestamp": "/);
    const ids = all.map((m) => m.headers?.[HEADER_MSG_ID]);
    assert.ok(ids.every((id) => typeof id === 'string' && id.length >= 32));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(destination.counts(), { 'lib.server.lobby': 3, 'lib.server.game': 1 });
  });

  it('rejects flush with the broker error and stops publishing after it', async () => {
    let calls = 0;
    const destination = createBrokerDestination(
      {
        async publish() {
          calls++;
          throw new Error('broker down');
        },
      },
      { batchSize: 1 },
    );
    const log = pino({ base: undefined }, destination);
    log.info({ queue: 'q' }, 'one');
    log.info({ queue: 'q' }, 'two');
    await assert.rejects(destination.flush(), /broker down/);
    assert.equal(calls, 1);
  });

  it('delivers through the embedded memory:// broker', async () => {
    const broker = await openBroker('memory://transport-destination-test');
    try {
      const logger = createSimulatorLogger({ loggerModule: 'memory', broker, stdout: false });
      logger.forModule('lib.server.game').info({ queue: 'lib.server.game', task: '{}' }, 'Attack Completed');
      logger.forModule('client.__main__').info({ queue: 'client.__main__' }, 'Starting Game 1');
      await logger.close();
      assert.deepEqual(logger.counts(), { 'lib.server.game': 1, 'client.__main__': 1 });
      const sub = broker.subscribe({
        topics: ['lib.server.game', 'client.__main__'],
        group: 't',
        from: 'earliest',
      });
      const got: Record<string, unknown>[] = [];
      for await (const batch of sub) {
        got.push(...batch.map(decode));
        await sub.commit(batch);
        if (got.length >= 2) break;
      }
      await sub.close();
      assert.deepEqual(got.map((e) => e.name).sort(), ['memory.client.__main__', 'memory.lib.server.game']);
    } finally {
      await broker.close();
    }
  });
});

describe('createSimulatorLogger', () => {
  it('LOGGER_MODULE=default writes upstream-formatted lines to stdout only', async () => {
    const lines: string[] = [];
    const logger = createSimulatorLogger({
      stdout: { write: (t: string) => lines.push(t) },
      level: 'WARNING',
    });
    assert.equal(logger.mode, 'stdout');
    logger.forModule('lib.server.lobby').info({ queue: 'lib.server.lobby' }, 'hidden below WARNING');
    logger
      .forModule('lib.server.game')
      .error({ queue: 'lib.server.game', task: '{}' }, 'Attacked Dead Enemy');
    await logger.close();
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - default\.lib\.server\.game - ERROR - Attacked Dead Enemy\n$/,
    );
    assert.deepEqual(logger.counts(), {});
  });

  it('refuses a transporting module without a broker, memory:// as a URL, and unknown levels', () => {
    const invalid = (fn: () => unknown) =>
      assert.throws(fn, (err: unknown) => isHeroflowError(err, 'HF_CONFIG_INVALID'));
    invalid(() => createSimulatorLogger({ loggerModule: 'kafka', stdout: false }));
    invalid(() => createSimulatorLogger({ loggerModule: 'kafka', brokerUrl: 'memory://', stdout: false }));
    invalid(() => createSimulatorLogger({ level: 'LOUD', stdout: false }));
  });
});
