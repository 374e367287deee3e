/**
 * `heroflow dashboard`: a local web page with live charts from any number of /metrics endpoints
 * (producers, workers, servers, demos): production rate over the last 5 minutes (seed 003's visualiser),
 * publish/consume/ack rates, dead letters and files. Runs until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { addSettings, readSettings } from '../options.js';
import { untilSignal } from '../signals.js';

const SETTING_NAMES = ['scrape', 'dashboardHost', 'dashboardPort', 'dashboardToken'] as const;

export function registerDashboard(program: Command): void {
  const cmd = program
    .command('dashboard')
    .description(
      'Serve a live dashboard (127.0.0.1:3005 by default) that scrapes /metrics endpoints every second: production rate (events/s over 5 minutes), pipeline rates, dead letters, files. Stops on SIGINT/SIGTERM.',
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.action(async () => {
    const s = readSettings(cmd, SETTING_NAMES);
    const { startDashboard } = await import('../../dashboard/index.js');
    const dashboard = await startDashboard({
      targets: s.scrape,
      host: s.dashboardHost,
      port: s.dashboardPort,
      token: s.dashboardToken,
    });
    console.log(`dashboard on ${dashboard.url}`);
    console.error(`scraping ${s.scrape.join(', ')} every second; Ctrl-C stops`);
    await untilSignal();
    await dashboard.close();
  });
}
