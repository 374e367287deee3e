/**
 * TLS settings shared by every adapter, from the same URL parameters everywhere (docs/security.md):
 *
 *   tls=true|false       TLS on (implied by rediss://, amqps://, mqtts:// and by any file below)
 *   ca=PATH              PEM CA bundle to trust (default: the system's CAs)
 *   cert=PATH&key=PATH   PEM client certificate and key (mutual TLS)
 *   pfx=PATH             PKCS#12 client keystore instead of cert/key (seed 003's kafka.keystore.pkcs12)
 *   passphrase=…         for an encrypted key or the PKCS#12 file
 *   servername=NAME      the name the server certificate must carry, when the URL's host is an address
 *
 * The same from the environment, so files and secrets need not be in the URL (the URL wins):
 * HEROFLOW_BROKER_CA, HEROFLOW_BROKER_CERT, HEROFLOW_BROKER_KEY, HEROFLOW_BROKER_PFX, HEROFLOW_BROKER_PASSPHRASE.
 *
 * Files are read and checked here, at parse time: a missing file, a key that does not match its certificate
 * or a wrong PKCS#12 password is a bad setting (HF_BROKER_URL, exit 2), not a connection failure later.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { badBrokerUrl, boolParam } from './url-params.js';

export const TLS_PARAMS = ['tls', 'ca', 'cert', 'key', 'pfx', 'passphrase', 'servername'] as const;

/** What node's tls.connect takes; every client library here passes these through. */
export interface TlsSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  pfx?: Buffer;
  passphrase?: string;
  servername?: string;
}

const FILE_ENV = {
  ca: 'HEROFLOW_BROKER_CA',
  cert: 'HEROFLOW_BROKER_CERT',
  key: 'HEROFLOW_BROKER_KEY',
  pfx: 'HEROFLOW_BROKER_PFX',
} as const;
const PASSPHRASE_ENV = 'HEROFLOW_BROKER_PASSPHRASE';

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/**
 * The TLS settings of a broker URL, or undefined for plaintext. `secureScheme`: the scheme itself asks for
 * TLS (rediss:, amqps:, mqtts:). `tls=false` with a secure scheme or with files is a contradiction.
 */
export function parseTls(
  u: URL,
  url: string,
  secureScheme: boolean,
  env: NodeJS.ProcessEnv = process.env,
): TlsSettings | undefined {
  const flag = boolParam(u, 'tls', url);
  const settings: TlsSettings = {};
  const sources: string[] = [];
  for (const name of ['ca', 'cert', 'key', 'pfx'] as const) {
    const fromUrl = u.searchParams.get(name);
    const path = fromUrl ?? env[FILE_ENV[name]];
    if (!path) continue;
    const where = fromUrl === null ? FILE_ENV[name] : name;
    sources.push(where);
    try {
      settings[name] = readFileSync(path);
    } catch (e) {
      throw badBrokerUrl(url, `has ${where}=${path}, which cannot be read (${firstLine(e)})`);
    }
  }
  const passphrase = u.searchParams.get('passphrase') ?? env[PASSPHRASE_ENV];
  if (passphrase) settings.passphrase = passphrase;
  const servername = u.searchParams.get('servername');
  if (servername) settings.servername = servername;

  const wanted = secureScheme || flag === true || sources.length > 0;
  if (flag === false && wanted) {
    throw badBrokerUrl(
      url,
      `has tls=false but also ${secureScheme ? `the TLS scheme ${u.protocol}` : sources.join(', ')}; drop one`,
    );
  }
  if (!wanted) {
    if (passphrase || servername) {
      throw badBrokerUrl(url, 'has passphrase or servername without TLS; add tls=true or drop them');
    }
    return undefined;
  }
  if (settings.cert && !settings.key) throw badBrokerUrl(url, 'has cert without key; give both');
  if (settings.key && !settings.cert) throw badBrokerUrl(url, 'has key without cert; give both');
  if (settings.pfx && settings.cert) throw badBrokerUrl(url, 'has both pfx and cert/key; give one');
  try {
    // Same parser as the connection will use: bad PEM, a mismatched key or a wrong password show up now.
    createSecureContext(settings);
  } catch (e) {
    throw badBrokerUrl(
      url,
      `has TLS files (${sources.join(', ')}) that cannot be used: ${firstLine(e)}` +
        (settings.pfx || settings.key ? ' (is the passphrase right?)' : ''),
    );
  }
  return settings;
}
