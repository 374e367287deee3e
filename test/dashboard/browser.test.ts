/**
 * The dashboard in a real browser (Debian chromium via playwright-core): the page loads without a console
 * error, and while an experiment producer runs, the production-rate line moves. The screenshot is kept as a
 * test artifact in test-results/dashboard.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startDashboard } from '../../src/dashboard/index.js';
import { runProducer } from '../../src/loadgen/index.js';
import { createRegistry, registerProducerMetrics, serveMetrics } from '../../src/metrics/index.js';
import { launchChromium, skipUnlessChromium } from '../helpers/chromium.js';
import { ROOT } from '../helpers/cli.js';
import { KEY, SMALL } from '../loadgen/helpers.js';

type PageGlobals = {
  document: { querySelector(sel: string): { getAttribute(name: string): string | null } | null };
};

export const ARTIFACTS = join(ROOT, 'test-results');

describe('dashboard in chromium', () => {
  it('loads with no console error and the production rate moves while a producer runs', {
    skip: skipUnlessChromium(),
  }, async () => {
    const registry = createRegistry();
    const metrics = registerProducerMetrics(registry);
    const endpoint = await serveMetrics(registry, { port: 0 });
    const dashboard = await startDashboard({ targets: [endpoint.url], port: 0, title: 'heroflow dashboard' });
    const abort = new AbortController();
    // 5 sensors every 100 ms = 50 events/s for 30 s at most; stopped once the test has seen enough.
    const producing = runProducer({
      broker: { publish: async () => {} },
      experiments: [
        { ...SMALL, numSensors: 5, sampleRate: 100, stabilizationSamples: 10, carryOutSamples: 290 },
      ],
      topic: 'experiment',
      secretKey: KEY,
      signal: abort.signal,
      onEvent: metrics.event,
      onExperimentStart: metrics.experimentStarted,
      onExperimentEnd: metrics.experimentEnded,
    });
    const context = await launchChromium();
    const errors: string[] = [];
    try {
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(dashboard.url);
      await page.waitForSelector('#status.live', { timeout: 30_000 });
      const chart = '#chart-production';
      const last = () => page.getAttribute(chart, 'data-last');
      // Functions run in the page (strings would need 'unsafe-eval', which the page's CSP forbids);
      // the tests compile without the DOM types, hence the narrow view of `document`.
      await page.waitForFunction(
        (sel) =>
          Number(
            (globalThis as unknown as PageGlobals).document.querySelector(sel)?.getAttribute('data-last'),
          ) > 0,
        chart,
        { timeout: 30_000 },
      );
      const line = () => page.getAttribute(`${chart} polyline`, 'points');
      const before = await line();
      await page.waitForFunction(
        ([sel, prev]) =>
          (globalThis as unknown as PageGlobals).document
            .querySelector(`${sel} polyline`)
            ?.getAttribute('points') !== prev,
        [chart, before] as const,
        { timeout: 30_000 },
      );
      const after = await line();
      assert.notEqual(after, before, 'the rate line moved');
      assert.ok(Number(await last()) > 0);
      assert.ok((after ?? '').split(' ').length >= 2);
      assert.match((await page.textContent('#production-now')) ?? '', /events\/s/);
      assert.match((await page.textContent('#targets tbody')) ?? '', /up/);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
      assert.deepEqual(errors, [], 'no console error');
    } finally {
      abort.abort();
      await producing;
      await context.close();
      await dashboard.close();
      await endpoint.close();
    }
  });
});
