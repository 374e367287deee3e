/** The workloads REST endpoint over real HTTP (good and bad input) and `heroflow workloads` bad settings. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openBroker } from '../../src/brokers/index.js';
import type { Broker } from '../../src/brokers/types.js';
import { isHeroflowError } from '../../src/errors.js';
import {
  PermitPool,
  RestDiscovery,
  type RestServer,
  serveWorkloadsRest,
  WorkloadManager,
} from '../../src/workloads/index.js';
import { runCli } from '../helpers/cli.js';
import { until } from './probe.js';

describe('workloads REST endpoint', () => {
  let broker: Broker;
  let manager: WorkloadManager;
  let store: RestDiscovery;
  let server: RestServer;
  const call = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  before(async () => {
    broker = await openBroker('memory://');
    store = new RestDiscovery();
    manager = new WorkloadManager({
      broker,
      pool: new PermitPool({ globalPermitLimit: 2, maxTasksQueued: 4, maxTasksWaiting: 2 }),
      processorFor: () => async () => {},
      sources: [store],
      pollIntervalMs: 60_000,
    });
    await manager.start();
    server = await serveWorkloadsRest({
      port: 0,
      store,
      stats: (n) => manager.stats(n),
      list: () => manager.list(),
    });
  });
  after(async () => {
    await server.close();
    await manager.shutdown();
    await broker.close();
  });

  it('POST creates and starts, GET and stats answer, DELETE stops', async () => {
    const created = await call(
      'POST',
      '/workloads/cats',
      JSON.stringify({ topics: ['rest.cats'], processingParallelism: 2 }),
    );
    assert.equal(created.status, 201);
    await until(() => manager.running().includes('cats'), 'cats running');
    const stats = await call('GET', '/workloads/cats/stats');
    assert.equal(stats.status, 200);
    assert.equal(stats.json?.state, 'running');
    assert.equal((await call('GET', '/workloads/cats')).status, 200);
    const replaced = await call(
      'POST',
      '/workloads/cats',
      JSON.stringify({ topics: ['rest.cats'], processingParallelism: 3 }),
    );
    assert.equal(replaced.status, 200);
    assert.equal((await call('DELETE', '/workloads/cats')).status, 204);
    await until(() => manager.list().length === 0, 'cats stopped');
  });

  it('bad input: a 4xx with a clear message, and nothing changes', async () => {
    await call('POST', '/workloads/dogs', JSON.stringify({ topics: ['rest.dogs'] }));
    const before = JSON.stringify(store.all());
    const cases: Array<[string, string, string | undefined, number, RegExp]> = [
      ['POST', '/workloads/dogs', '{"topics": [', 400, /malformed JSON/],
      [
        'POST',
        '/workloads/dogs',
        JSON.stringify({ topics: ['rest.dogs'], processingParallelism: 0 }),
        400,
        /processingParallelism/,
      ],
      [
        'POST',
        '/workloads/dogs',
        JSON.stringify({ topics: ['rest.dogs'], ackParallelism: -1 }),
        400,
        /ackParallelism/,
      ],
      ['POST', '/workloads/dogs', JSON.stringify({ topics: [] }), 400, /topics/],
      [
        'POST',
        '/workloads/dogs',
        JSON.stringify({ topics: ['x'], colour: 'red' }),
        400,
        /colour|Unrecognized/i,
      ],
      ['POST', '/workloads/dogs', JSON.stringify({ name: 'cats', topics: ['x'] }), 400, /path names "dogs"/],
      ['POST', '/workloads/dogs', '[1,2]', 400, /JSON object/],
      ['DELETE', '/workloads/unknown', undefined, 404, /unknown workload "unknown"/],
      ['GET', '/workloads/unknown/stats', undefined, 404, /unknown workload/],
      ['PATCH', '/workloads/dogs', '{}', 405, /not allowed/],
      ['GET', '/nothing', undefined, 404, /not found/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const r = await call(method, path, body);
      assert.equal(r.status, status, `${method} ${path} ${body}`);
      assert.match(String(r.json?.error), message, `${method} ${path} ${body}`);
    }
    assert.equal(JSON.stringify(store.all()), before, 'the requested set is unchanged');
  });

  it('off loopback a token is required, and checked', async () => {
    await assert.rejects(
      serveWorkloadsRest({ host: '0.0.0.0', port: 0, store, stats: () => undefined, list: () => [] }),
      (err: unknown) =>
        isHeroflowError(err, 'HF_CONFIG_INVALID') && /--rest-token/.test((err as Error).message),
    );
    const guarded = await serveWorkloadsRest({
      host: '127.0.0.1',
      port: 0,
      token: 'a-long-enough-token-1234',
      store,
      stats: () => undefined,
      list: () => [],
    });
    try {
      assert.equal((await fetch(`${guarded.url}/workloads`)).status, 401);
      const ok = await fetch(`${guarded.url}/workloads`, {
        headers: { authorization: 'Bearer a-long-enough-token-1234' },
      });
      assert.equal(ok.status, 200);
    } finally {
      await guarded.close();
    }
  });
});

describe('heroflow workloads settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-workloads-'));
  it('no source, a bad file, a bad flag: exit 2 naming what is wrong', () => {
    const none = runCli(['workloads']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /--workloads FILE.*--rest-port/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'workloads:\n  - { name: cats, topics: [t], processingParallelism: 0 }\n');
    const file = runCli(['workloads', '--workloads', bad]);
    assert.equal(file.status, 2);
    assert.match(file.stderr, /workload "cats".*processingParallelism/);
    const flag = runCli(['workloads', '--workloads', bad, '--global-permit-limit', '0']);
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /--global-permit-limit \(env HEROFLOW_GLOBAL_PERMIT_LIMIT\)/);
  });
});
