/**
 * One raw exchange with the server before ioredis takes over, because ioredis hides what matters here:
 * it prints a console warning when a password meets a server without one, and a failed SELECT leaves the
 * client on database 0 (issue 14: `redis+streams://…/99` wrote to DB 0). So: AUTH (when credentials are
 * given) and SELECT, pipelined, and their replies read:
 *   - WRONGPASS / NOAUTH              → an Error with Redis' reply (connect-errors makes it HF_BROKER_AUTH)
 *   - AUTH on a server without auth   → a warning log line, and the password is not sent again
 *   - SELECT out of range             → HF_BROKER_URL naming the database
 * Socket and TLS errors are thrown as they come, for the connect retry to judge.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { BrokerOptions } from '../types.js';
import { HANDSHAKE_MS, handshakeTimeout } from '../util/connect-errors.js';
import { badBrokerUrl } from '../util/url-params.js';
import type { RedisConfig } from './url.js';

function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Send `payload` and collect `lines` reply lines (simple strings and errors only). */
function exchange(cfg: RedisConfig, payload: string, lines: number, timeoutMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const target = { host: cfg.host, port: cfg.port };
    const socket: Socket = cfg.tls
      ? tlsConnect({ ...target, ...cfg.tls, servername: cfg.tls.servername ?? sniName(cfg.host) })
      : netConnect(target);
    let buf = '';
    let handshake: NodeJS.Timeout | undefined;
    const fail = (e: Error) => {
      clearTimeout(timer);
      clearTimeout(handshake);
      socket.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    if (cfg.tls) {
      // A plaintext Redis waits for a line end that a ClientHello never has: without this the handshake
      // would hang until the reply timeout, and then look like an unreachable server.
      socket.once('connect', () => {
        handshake = setTimeout(() => fail(handshakeTimeout(HANDSHAKE_MS)), HANDSHAKE_MS);
      });
    }
    socket.once(cfg.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(handshake);
      socket.write(payload);
    });
    socket.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      const got = buf.split('\r\n');
      if (got.length > lines) {
        clearTimeout(timer);
        socket.end();
        resolve(got.slice(0, lines));
      }
    });
    socket.once('error', fail);
    socket.once('close', () => fail(new Error('the server closed the connection without a reply')));
  });
}

/** SNI must be a host name, never an IP address (RFC 6066; node warns). */
export function sniName(host: string): string | undefined {
  return /^[\d.]+$|:/.test(host) ? undefined : host;
}

/** Returns the config to connect with (without the password when the server has no auth). */
export async function preflight(cfg: RedisConfig, options: BrokerOptions): Promise<RedisConfig> {
  const auth = cfg.password ? command('AUTH', ...(cfg.username ? [cfg.username] : []), cfg.password) : '';
  const replies = await exchange(cfg, `${auth}${command('SELECT', String(cfg.db))}`, auth ? 2 : 1, 5000);
  let next = cfg;
  if (auth) {
    const reply = replies[0];
    if (/no password is set|without any password configured/i.test(reply)) {
      options.log?.('warn', 'redis has no password set; the password in the URL is not used', {
        url: cfg.url,
      });
      next = { ...cfg };
      delete next.password;
      delete next.username;
    } else if (reply.startsWith('-')) {
      throw new Error(reply.slice(1));
    }
  }
  const select = replies[replies.length - 1];
  if (/^-(NOAUTH|WRONGPASS|NOPERM)/.test(select)) throw new Error(select.slice(1));
  if (select.startsWith('-')) {
    throw badBrokerUrl(cfg.url, `selects database ${cfg.db}, which the server refuses (${select.slice(1)})`);
  }
  return next;
}
