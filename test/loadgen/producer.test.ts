/**
 * The experiment producer's events: per-experiment sequence, keys, headers, counts
 * (4 + num_sensors × (stabilization + carry_out)), the experiment_terminated schema quirk, the document
 * event, hashes that decrypt to upstream's JSON, and the temperature model's invariants.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeroflowError } from '../../src/errors.js';
import {
  decodeContainer,
  decryptHash,
  expectedEvents,
  hashDataJson,
  parseLoad,
  readLoadFile,
} from '../../src/loadgen/index.js';
import { notificationFor, sensorTemperatures, TemperatureWalk } from '../../src/loadgen/temperature.js';
import { KEY, produceAll, SMALL } from './helpers.js';

type Rec = Record<string, unknown>;
const decode = (v: Uint8Array) => decodeContainer(v);

describe('experiment producer', () => {
  it('sends each experiment of examples/loads/3.json in upstream order, keyed by experiment id, concurrently', async () => {
    const load = readLoadFile('examples/loads/3.json');
    assert.equal(load.length, 3);
    const { messages, results, counted, running, maxRunning } = await produceAll(load);
    assert.equal(running, 0, 'every experiment ended (the gauge is back to 0)');
    assert.equal(maxRunning, 3, 'the three experiments ran at the same time');
    for (const [i, spec] of load.entries()) {
      const id = results[i].id;
      const mine = messages.filter((m) => m.key === id);
      const expected = 4 + spec.numSensors * (spec.stabilizationSamples + spec.carryOutSamples);
      assert.equal(mine.length, expected);
      assert.equal(expectedEvents(spec), expected);
      assert.equal(results[i].events, expected);
      assert.equal(counted.get(`experiment|${id}`), expected, 'metric counted every event');
      const names = mine.map((m) => m.headers?.record_name);
      const n = spec.numSensors;
      assert.deepEqual(names, [
        'experiment_configured',
        'stabilization_started',
        ...Array(n * spec.stabilizationSamples).fill('sensor_temperature_measured'),
        'experiment_started',
        ...Array(n * spec.carryOutSamples).fill('sensor_temperature_measured'),
        'experiment_terminated',
      ]);
      assert.ok(mine.every((m) => m.topic === 'experiment'));
    }
  });

  it('writes one-record Avro container files with the upstream schemas, experiment_terminated with the experiment_started schema', async () => {
    const { messages, results } = await produceAll([SMALL]);
    const id = results[0].id;
    const byName = new Map<string, ReturnType<typeof decode>[]>();
    for (const m of messages) {
      const name = m.headers?.record_name ?? '';
      byName.set(name, [...(byName.get(name) ?? []), decode(m.value)]);
    }
    const schemaOf = (n: string) => byName.get(n)?.[0].schemaName;
    assert.equal(schemaOf('experiment_configured'), 'ExperimentConfig');
    assert.equal(schemaOf('stabilization_started'), 'stabilization_started');
    assert.equal(schemaOf('experiment_started'), 'experiment_started');
    assert.equal(schemaOf('experiment_terminated'), 'experiment_started', 'upstream quirk kept');
    assert.equal(schemaOf('sensor_temperature_measured'), 'sensor_temperature_measured');
    for (const list of byName.values()) for (const c of list) assert.equal(c.records.length, 1);
    const configured = byName.get('experiment_configured')?.[0].records[0] as Rec;
    assert.equal(configured.experiment, id);
    assert.equal(configured.researcher, 'd.landau@uu.nl');
    assert.equal((configured.sensors as string[]).length, SMALL.numSensors);
    assert.deepEqual(Object.keys(configured.temperature_range as Rec), [
      'upper_threshold',
      'lower_threshold',
    ]);
    assert.deepEqual(
      { ...(configured.temperature_range as Rec) },
      { upper_threshold: 26.5, lower_threshold: 25.5 },
    );
    const terminated = byName.get('experiment_terminated')?.[0].records[0] as Rec;
    assert.deepEqual(Object.keys(terminated), ['experiment', 'timestamp']);
    assert.equal(typeof terminated.timestamp, 'number');
  });

  it('every measurement_hash decrypts to the upstream JSON of its measurement; one hash per measurement', async () => {
    const { messages, results } = await produceAll([SMALL]);
    const id = results[0].id;
    const sensors = messages
      .filter((m) => m.headers?.record_name === 'sensor_temperature_measured')
      .map((m) => decode(m.value).records[0] as Rec);
    assert.equal(sensors.length, SMALL.numSensors * (SMALL.stabilizationSamples + SMALL.carryOutSamples));
    const byMeasurement = new Map<string, Rec[]>();
    for (const s of sensors)
      byMeasurement.set(String(s.measurement_id), [
        ...(byMeasurement.get(String(s.measurement_id)) ?? []),
        s,
      ]);
    assert.equal(byMeasurement.size, SMALL.stabilizationSamples + SMALL.carryOutSamples);
    for (const [mid, events] of byMeasurement) {
      assert.equal(events.length, SMALL.numSensors);
      assert.equal(new Set(events.map((e) => e.measurement_hash)).size, 1, 'one hash per measurement');
      assert.equal(new Set(events.map((e) => e.sensor)).size, SMALL.numSensors);
      const hash = String(events[0].measurement_hash);
      assert.match(hash, /^[A-Za-z0-9+/]{16}\.[A-Za-z0-9+/]+$/, 'base64 without padding, 16-char nonce');
      const data = decryptHash(hash, KEY);
      assert.deepEqual(Object.keys(data), [
        'notification_type',
        'researcher',
        'experiment_id',
        'measurement_id',
        'timestamp',
      ]);
      assert.equal(data.experiment_id, id);
      assert.equal(data.measurement_id, mid);
      assert.equal(data.researcher, 'd.landau@uu.nl');
      assert.equal(data.timestamp, events[0].timestamp);
      assert.ok(
        data.notification_type === null || ['Stabilized', 'OutOfRange'].includes(data.notification_type),
      );
    }
    const wrong = Buffer.from('0'.repeat(32));
    assert.throws(
      () => decryptHash(String(sensors[0].measurement_hash), wrong),
      (e) => isHeroflowError(e, 'HF_MESSAGE_INVALID'),
    );
  });

  it('notifications follow the stage rules; the first stabilization sample from 16 °C is out of range', async () => {
    const { messages } = await produceAll([SMALL]);
    const seen = new Map<string, string | null>();
    for (const m of messages.filter((x) => x.headers?.record_name === 'sensor_temperature_measured')) {
      const r = decode(m.value).records[0] as Rec;
      if (!seen.has(String(r.measurement_id)))
        seen.set(String(r.measurement_id), decryptHash(String(r.measurement_hash), KEY).notification_type);
    }
    const types = [...seen.values()];
    // Stabilization walks 16 → 26 in 3 steps: 19.33, 22.67 out of range, 26.0 in range → Stabilized there only.
    assert.deepEqual(types.slice(0, 3), [null, null, 'Stabilized']);
    assert.ok(types.slice(3).every((t) => t === null || t === 'OutOfRange'));
  });

  it('sends one experiment_document per experiment to --topic-document, without header', async () => {
    const { messages, results } = await produceAll([SMALL], 'experiment-docs');
    const docs = messages.filter((m) => m.topic === 'experiment-docs');
    assert.equal(docs.length, 1);
    assert.equal(docs[0].key, results[0].id);
    assert.equal(docs[0].headers, undefined);
    const c = decode(docs[0].value);
    assert.equal(c.schemaName, 'experiment_document');
    const doc = c.records[0] as Rec;
    assert.equal((doc.measurements as unknown[]).length, SMALL.carryOutSamples);
    assert.equal(results[0].events, expectedEvents(SMALL), 'the document is not counted on the main topic');
  });

  it('serialises the hash data as serde_json does (field order, f64 with a fraction)', () => {
    assert.equal(
      hashDataJson({
        notification_type: 'OutOfRange',
        researcher: 'r',
        experiment_id: 'e',
        measurement_id: 'm',
        timestamp: 1694266072,
      }),
      '{"notification_type":"OutOfRange","researcher":"r","experiment_id":"e","measurement_id":"m","timestamp":1694266072.0}',
    );
  });
});

describe('temperature model', () => {
  it('stabilization reaches the middle of the range in equal steps; values near a threshold are nudged inside', () => {
    const walk = new TemperatureWalk(16, { lower: 25.5, upper: 26.5 });
    const s = [...walk.samples('stabilization', 4)];
    assert.equal(s.length, 4);
    assert.equal(s[3], 26);
    assert.ok(Math.abs(s[1] - s[0] - (s[2] - s[1])) < 1e-5);
    // Upstream's own boundary case: from 9 towards 11 in 2 steps passes 10.0, which is reported 10.011.
    const edge = [...new TemperatureWalk(9, { lower: 10, upper: 12 }).samples('stabilization', 2)];
    assert.equal(edge[0], Math.fround(10.011));
    assert.equal(edge[1], 11);
  });

  it('carry-out moves at most (upper − lower) per sample', () => {
    const walk = new TemperatureWalk(26, { lower: 25.5, upper: 26.5 });
    let prev = 26;
    for (const t of walk.samples('carry out', 200)) {
      assert.ok(Math.abs(t - prev) <= 1.0 + 0.02, `${prev} → ${t}`);
      prev = t;
    }
  });

  it('sensor values average to the sample (f32), the first n−1 within ±1', () => {
    for (let i = 0; i < 50; i++) {
      const avg = Math.fround(Math.random() * 100);
      const t = sensorTemperatures(7, avg);
      assert.equal(t.length, 7);
      for (const x of t.slice(0, 6)) assert.ok(Math.abs(x - avg) <= 1.0001);
      const mean = t.reduce((a, b) => a + b, 0) / 7;
      assert.ok(Math.abs(mean - avg) < 1e-3, `${mean} vs ${avg}`);
    }
  });

  it('notification rules per stage', () => {
    assert.equal(notificationFor('stabilization', false, undefined), 'Stabilized');
    assert.equal(notificationFor('stabilization', false, true), 'Stabilized');
    assert.equal(notificationFor('stabilization', false, false), null);
    assert.equal(notificationFor('stabilization', true, undefined), null);
    assert.equal(notificationFor('carry out', true, undefined), 'OutOfRange');
    assert.equal(notificationFor('carry out', true, false), 'OutOfRange');
    assert.equal(notificationFor('carry out', true, true), null);
    assert.equal(notificationFor('carry out', false, undefined), null);
  });
});

describe('load files', () => {
  it('reads examples/loads/2.json with upstream defaults for missing fields', () => {
    assert.equal(readLoadFile('examples/loads/2.json').length, 2);
    const [e] = parseLoad([{ start_time: 5, researcher: 'x' }]);
    assert.deepEqual(e, {
      startTime: 5,
      researcher: 'x',
      numSensors: 2,
      sampleRate: 1000,
      startTemperature: 0,
      stabilizationSamples: 2,
      carryOutSamples: 20,
      lowerThreshold: 25.5,
      upperThreshold: 26.5,
    });
  });

  it('rejects a bad entry naming the field (HF_CONFIG_INVALID, exit 2)', () => {
    assert.throws(
      () =>
        parseLoad([
          { start_time: 0, researcher: 'x', temp_range: { lower_threshold: 3, upper_threshold: 1 } },
        ]),
      (e) => isHeroflowError(e, 'HF_CONFIG_INVALID') && e.exitCode === 2 && /temp_range/.test(e.message),
    );
    assert.throws(
      () => parseLoad({}),
      (e) => isHeroflowError(e, 'HF_CONFIG_INVALID'),
    );
    assert.throws(
      () => readLoadFile('/nonexistent.json'),
      (e) => isHeroflowError(e, 'HF_CONFIG_INVALID'),
    );
  });
});

describe('stopping early', () => {
  it('an aborted experiment skips the rest of its measurements but still sends experiment_terminated', async () => {
    const { runProducer } = await import('../../src/loadgen/index.js');
    const abort = new AbortController();
    const names: string[] = [];
    let measurements = 0;
    await runProducer({
      broker: {
        publish: async (batch) => {
          for (const m of batch) names.push(m.headers?.record_name ?? '');
          if (batch[0].headers?.record_name === 'sensor_temperature_measured' && ++measurements === 2)
            abort.abort();
        },
      },
      experiments: [SMALL],
      topic: 'experiment',
      secretKey: KEY,
      signal: abort.signal,
      sleep: () => new Promise((r) => setImmediate(r)),
    });
    assert.deepEqual(names, [
      'experiment_configured',
      'stabilization_started',
      ...Array(SMALL.numSensors * 2).fill('sensor_temperature_measured'),
      'experiment_terminated',
    ]);
  });
});
