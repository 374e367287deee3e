/** The dashboard's reader of the Prometheus text format, its rates, and its HTTP server (token, stream). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HISTORY,
  isLoopback,
  parsePrometheusText,
  Scraper,
  startDashboard,
  sumOf,
} from '../../src/dashboard/index.js';

describe('Prometheus text', () => {
  it('reads samples with labels (escapes included), skips comments, sums every series of a counter', () => {
    const samples = parsePrometheusText(
      [
        '# HELP experiment_producer_event_count_total Events.',
        '# TYPE experiment_producer_event_count_total counter',
        'experiment_producer_event_count_total{key="a",topic="experiment"} 12',
        'experiment_producer_event_count_total{key="b",topic="exp\\"x\\\\"} 30 1700000000000',
        'heroflow_x_bucket{le="+Inf"} +Inf',
        'experiment_producer_num_experiments 2',
        '',
      ].join('\n'),
    );
    assert.equal(samples.length, 4);
    assert.deepEqual(samples[1].labels, { key: 'b', topic: 'exp"x\\' });
    assert.equal(sumOf(samples, 'experiment_producer_event_count_total'), 42);
    assert.equal(sumOf(samples, 'experiment_producer_num_experiments'), 2);
    assert.equal(sumOf(samples, 'missing'), undefined);
  });
});

describe('Scraper', () => {
  it('turns counters into per-second rates per target, marks a target down, restarts after a counter reset', async () => {
    let t = 1_000_000;
    const counts = [0, 10, 30, 5];
    let i = 0;
    let downOnce = false;
    const fake = (async (url: string) => {
      if (url.includes('down')) {
        if (!downOnce) {
          downOnce = true;
          throw new Error('ECONNREFUSED');
        }
        return new Response('heroflow_workers 1\n');
      }
      return new Response(
        `experiment_producer_event_count_total{key="k",topic="t"} ${counts[i]}\nheroflow_messages_consumed_total{topic="x"} ${counts[i] * 2}\n`,
      );
    }) as typeof fetch;
    const s = new Scraper({
      targets: ['http://up/metrics', 'http://down/metrics'],
      fetch: fake,
      now: () => t,
    });
    const p0 = await s.scrapeOnce();
    assert.equal(p0.targets[0].up, true);
    assert.deepEqual(p0.targets[0].rates, {}, 'no rate before a second scrape');
    assert.equal(p0.targets[1].up, false);
    assert.match(p0.targets[1].error ?? '', /ECONNREFUSED/);
    i = 1;
    t += 1000;
    const p1 = await s.scrapeOnce();
    assert.equal(p1.targets[0].rates.produced, 10);
    assert.equal(p1.targets[0].rates.consumed, 20);
    assert.equal(p1.targets[1].up, true);
    assert.equal(p1.targets[1].values.workers, 1);
    i = 2;
    t += 2000;
    assert.equal((await s.scrapeOnce()).targets[0].rates.produced, 10);
    i = 3;
    t += 1000;
    assert.equal(
      (await s.scrapeOnce()).targets[0].rates.produced,
      5,
      'a restarted producer counts from zero',
    );
    assert.equal(s.points().length, 4);
    for (let k = 0; k < HISTORY + 10; k++) await s.scrapeOnce();
    assert.equal(s.points().length, HISTORY, 'five minutes of points are kept');
  });
});

describe('dashboard server', () => {
  it('loopback needs no token; any other address gets one', () => {
    assert.ok(isLoopback('127.0.0.1'));
    assert.ok(isLoopback('localhost'));
    assert.ok(isLoopback('::1'));
    assert.ok(!isLoopback('0.0.0.0'));
    assert.ok(!isLoopback('192.168.1.5'));
  });

  it('with a token, the page, points and stream need it; the script and style do not; the stream says hello with the targets', async () => {
    const token = 'a-token-of-enough-length';
    const d = await startDashboard({
      targets: ['http://127.0.0.1:9/metrics'],
      port: 0,
      token,
      intervalMs: 200,
    });
    try {
      const base = `http://127.0.0.1:${d.port}`;
      assert.equal(d.url, `${base}/?token=${token}`);
      assert.equal((await fetch(`${base}/`)).status, 401);
      assert.equal((await fetch(`${base}/?token=wrong-token-of-enough-len`)).status, 401);
      assert.equal((await fetch(`${base}/api/points`)).status, 401);
      const page = await fetch(d.url);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<script src="\/app.js" defer><\/script>/);
      assert.doesNotMatch(html, /https?:\/\/(?!127)/, 'nothing from a CDN');
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      assert.equal(
        (await fetch(`${base}/api/points`, { headers: { authorization: `Bearer ${token}` } })).status,
        200,
      );
      assert.equal((await fetch(`${base}/app.js`)).status, 200);
      assert.equal((await fetch(`${base}/app.css`)).status, 200);
      const ctrl = new AbortController();
      const res = await fetch(`${base}/events?token=${token}`, { signal: ctrl.signal });
      assert.equal(res.headers.get('content-type'), 'text/event-stream');
      const reader = res.body?.getReader();
      let text = '';
      while (reader && !/\n\ndata: /.test(text))
        text += new TextDecoder().decode((await reader.read()).value);
      ctrl.abort();
      assert.match(text, /^event: hello\ndata: \{"targets":\["http:\/\/127.0.0.1:9\/metrics"\]/);
      const point = JSON.parse(text.split('\n\ndata: ')[1].split('\n')[0]) as {
        targets: Array<{ up: boolean }>;
      };
      assert.equal(point.targets[0].up, false, 'a closed port is shown as down');
    } finally {
      await d.close();
    }
  });
});
