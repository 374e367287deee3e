/**
 * Debian's chromium driven by playwright-core (never `npx playwright install`; flags from
 * reference/dependencies.md). Missing chromium skips with a visible line, or fails when
 * HEROFLOW_REQUIRE_SERVICES=1 (.ci/run installs it with apt-get).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipIfMissing } from './skip.js';

export const CHROMIUM = process.env.HEROFLOW_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function skipUnlessChromium(): false | string {
  if (existsSync(CHROMIUM)) return false;
  return skipIfMissing(
    `chromium is not installed at ${CHROMIUM} (apt-get install -y chromium, or set HEROFLOW_CHROMIUM)`,
  );
}

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'heroflow-chromium-')), {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
}
