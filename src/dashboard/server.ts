/**
 * The dashboard's HTTP server: the page, its script and a server-sent-events stream that pushes one point
 * per scrape. Everything is served from here (no CDN). Bound to loopback by default; bound anywhere else
 * it requires a token (`?token=…` or `Authorization: Bearer …`), generated when none is given.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeroflowError } from '../errors.js';
import { CLIENT_JS, PAGE_CSS, pageHtml } from './page.js';
import { type Point, Scraper } from './scraper.js';

export interface DashboardOptions {
  targets: string[];
  host?: string;
  port?: number;
  token?: string;
  intervalMs?: number;
  title?: string;
}

export interface Dashboard {
  /** The page's URL, with the token when one is required. */
  readonly url: string;
  readonly port: number;
  readonly token: string | undefined;
  readonly scraper: Scraper;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

function tokenOk(req: IncomingMessage, url: URL, token: string | undefined): boolean {
  if (token === undefined) return true;
  const auth = req.headers.authorization;
  const given = url.searchParams.get('token') ?? (auth?.startsWith('Bearer ') ? auth.slice(7) : '');
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? (isLoopback(host) ? undefined : randomBytes(18).toString('base64url'));
  const scraper = new Scraper({ targets: opts.targets, intervalMs: opts.intervalMs });
  const streams = new Set<ServerResponse>();
  const html = pageHtml({ title: opts.title ?? 'heroflow dashboard', targets: opts.targets });
  const security = {
    'content-security-policy':
      "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:",
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (req.method !== 'GET') {
      res.writeHead(405, security).end();
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204, security).end();
      return;
    }
    // The script and style hold no data; the page, its stream and the points need the token.
    const open = url.pathname === '/app.js' || url.pathname === '/app.css';
    if (!open && !tokenOk(req, url, token)) {
      res
        .writeHead(401, { ...security, 'content-type': 'text/plain' })
        .end('token required: open the URL heroflow printed\n');
      return;
    }
    switch (url.pathname) {
      case '/':
        res.writeHead(200, { ...security, 'content-type': 'text/html; charset=utf-8' }).end(html);
        return;
      case '/app.js':
        res.writeHead(200, { ...security, 'content-type': 'text/javascript; charset=utf-8' }).end(CLIENT_JS);
        return;
      case '/app.css':
        res.writeHead(200, { ...security, 'content-type': 'text/css; charset=utf-8' }).end(PAGE_CSS);
        return;
      case '/api/points':
        res
          .writeHead(200, { ...security, 'content-type': 'application/json' })
          .end(JSON.stringify({ targets: scraper.targets, points: scraper.points() }));
        return;
      case '/events': {
        res.writeHead(200, { ...security, 'content-type': 'text/event-stream', connection: 'keep-alive' });
        res.write(
          `event: hello\ndata: ${JSON.stringify({ targets: scraper.targets, points: scraper.points() })}\n\n`,
        );
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      default:
        res.writeHead(404, { ...security, 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  const send = (p: Point) => {
    const frame = `data: ${JSON.stringify(p)}\n\n`;
    for (const s of streams) s.write(frame);
  };
  scraper.onPoint(send);

  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: Error) =>
      reject(
        new HeroflowError(
          'HF_CONFIG_INVALID',
          `Invalid --port (env HEROFLOW_DASHBOARD_PORT): cannot listen on ${host}:${opts.port ?? 3005} (${cause.message}); expected a free port (0 = any).`,
          { cause },
        ),
      ),
    );
    server.listen(opts.port ?? 3005, host, () => resolve());
  });
  scraper.start();
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/${token ? `?token=${token}` : ''}`,
    port,
    token,
    scraper,
    close: () =>
      new Promise<void>((resolve) => {
        scraper.stop();
        for (const s of streams) s.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
