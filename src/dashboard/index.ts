/** The dashboard part: scrape /metrics endpoints and show live rates in a local web page. */
export { parsePrometheusText, type Sample, sumOf } from './prom-text.js';
export { HISTORY, type Point, RATES, Scraper, type TargetPoint, VALUES } from './scraper.js';
export { type Dashboard, type DashboardOptions, isLoopback, startDashboard } from './server.js';
