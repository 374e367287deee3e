/**
 * The workloads REST endpoint:
 *   GET    /workloads                 every requested workload with its stats
 *   GET    /workloads/{name}          one definition + stats (404 when unknown)
 *   POST   /workloads/{name}          create or replace (JSON body = the definition; 201 new, 200 replaced)
 *   DELETE /workloads/{name}          stop it (drains; 204) — 404 when REST did not define it
 *   GET    /workloads/{name}/stats    its counters (404 when it neither is requested nor runs)
 * Bad input (malformed JSON, unknown fields, limits ≤ 0, a name in the body that differs from the path)
 * gets a 4xx with a message and changes nothing. Bound to 127.0.0.1 by default; on any other address a
 * bearer token is required (`Authorization: Bearer <token>`).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeroflowError, isHeroflowError } from '../errors.js';
import type { RestDiscovery } from './discovery-rest.js';
import type { WorkloadStats } from './runner.js';
import { parseWorkload } from './spec.js';

const MAX_BODY = 1 << 20;

export interface RestServerOptions {
  host?: string;
  port: number;
  /** Required unless the host is a loopback address. */
  token?: string;
  store: RestDiscovery;
  stats: (name: string) => WorkloadStats | undefined;
  /** Every workload the manager runs (file ones included), for GET /workloads. */
  list: () => WorkloadStats[];
}

export interface RestServer {
  readonly url: string;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new HttpError(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `malformed JSON body: ${(err as Error).message}`);
  }
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const got = Buffer.from(/^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

export async function serveWorkloadsRest(o: RestServerOptions): Promise<RestServer> {
  const host = o.host ?? '127.0.0.1';
  if (!isLoopback(host) && !o.token) {
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      `Invalid --rest-host: ${host} is reachable from other machines; give --rest-token (env HEROFLOW_REST_TOKEN) or bind to 127.0.0.1.`,
    );
  }
  const send = (res: ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!authorized(req, o.token)) throw new HttpError(401, 'missing or wrong bearer token');
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/\/+$/, '');
    const m = /^\/workloads(?:\/([^/]+))?(\/stats)?$/.exec(path);
    if (!m) throw new HttpError(404, 'not found: the API is /workloads and /workloads/{name}[/stats]');
    const [, name, stats] = m;
    const method = req.method ?? 'GET';
    if (!name) {
      if (method !== 'GET') throw new HttpError(405, 'only GET /workloads');
      return send(res, 200, { workloads: o.store.all(), running: o.list() });
    }
    if (stats) {
      if (method !== 'GET') throw new HttpError(405, 'only GET /workloads/{name}/stats');
      const s = o.stats(name);
      if (!s && !o.store.get(name)) throw new HttpError(404, `unknown workload "${name}"`);
      return send(res, 200, s ?? { name, state: 'starting' });
    }
    if (method === 'GET') {
      const spec = o.store.get(name);
      const s = o.stats(name);
      if (!spec && !s) throw new HttpError(404, `unknown workload "${name}"`);
      return send(res, 200, { workload: spec ?? null, stats: s ?? null });
    }
    if (method === 'DELETE') {
      if (!o.store.delete(name)) {
        throw new HttpError(
          404,
          `unknown workload "${name}"${o.stats(name) ? ' (it is not defined over REST: edit the workloads file)' : ''}`,
        );
      }
      return send(res, 204);
    }
    if (method === 'POST' || method === 'PUT') {
      const body = await readBody(req);
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new HttpError(400, 'the body must be a JSON object (one workload definition)');
      const b = body as Record<string, unknown>;
      if (b.name !== undefined && b.name !== name)
        throw new HttpError(400, `the body names "${String(b.name)}" but the path names "${name}"`);
      const spec = parseWorkload({ ...b, name }, 'the request body');
      const fresh = o.store.put(spec);
      return send(res, fresh ? 201 : 200, { workload: spec });
    }
    throw new HttpError(405, `method ${method} not allowed on /workloads/{name}`);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status =
        err instanceof HttpError ? err.status : isHeroflowError(err, 'HF_WORKLOAD_INVALID') ? 400 : 500;
      send(res, status, { error: (err as Error).message });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: Error) =>
      reject(
        new HeroflowError(
          'HF_CONFIG_INVALID',
          `Invalid --rest-port: cannot listen on ${host}:${o.port} (${cause.message}).`,
          {
            cause,
          },
        ),
      ),
    );
    server.listen(o.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
