/**
 * Connection failures that waiting cannot mend, recognised across the client libraries, as one line that
 * names the broker and the cause:
 *   HF_BROKER_AUTH  the server refused the credentials (amqplib 403 ACCESS_REFUSED, Redis WRONGPASS/NOAUTH,
 *                   kafkajs SASL failures, NATS "Authorization Violation", MQTT CONNACK "not authorized")
 *   HF_BROKER_TLS   the TLS handshake failed (untrusted or misnamed server certificate, client certificate
 *                   refused or missing, TLS to a plaintext port, plaintext to a TLS port — see speaksTls)
 * Libraries wrap socket errors (kafkajs, mqtt.js), so codes are looked for along `cause`/`originalError`.
 */
import { connect as tlsConnect } from 'node:tls';
import { HeroflowError } from '../../errors.js';
import { redactUrl } from './redact-url.js';

const BROKER_NAMES: Record<string, string> = {
  kafka: 'Kafka',
  redis: 'Redis',
  rediss: 'Redis',
  amqp: 'RabbitMQ',
  amqps: 'RabbitMQ',
  nats: 'NATS',
  mqtt: 'MQTT',
  mqtts: 'MQTT',
  pulsar: 'Pulsar',
};

/** "Kafka at kafka://h:9092" for messages (credentials masked). */
export function brokerLabel(url: string): string {
  const scheme = /^([a-z]+)/i.exec(url)?.[1]?.toLowerCase() ?? '';
  return `${BROKER_NAMES[scheme] ?? 'The broker'} at ${redactUrl(url)}`;
}

/** The error and the errors it wraps, outermost first. */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  let e: unknown = error;
  while (e && out.length < 6 && !out.includes(e)) {
    out.push(e);
    if (e instanceof AggregateError && e.errors.length > 0) out.push(...e.errors);
    const o = e as { cause?: unknown; originalError?: unknown };
    e = o.originalError ?? o.cause;
  }
  return out;
}

/** OpenSSL's "80BC…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:…" → its reason. */
const text = (e: unknown) => {
  const msg = e instanceof Error ? e.message : String(e);
  return /error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):/.exec(msg)?.[1] ?? msg.trim();
};
const codeOf = (e: unknown) => String((e as { code?: unknown })?.code ?? '');
const nameOf = (e: unknown) => (e instanceof Error ? e.name : '');

const AUTH_TEXT =
  /ACCESS[_-]REFUSED|NOT_ALLOWED - access to vhost|WRONGPASS|NOAUTH|NOPERM|authentication failed|Authorization Violation|Authentication Expired|not authori[sz]ed|bad user ?name or password|banned/i;

/** How long a TLS handshake may take on a port that accepted the connection. */
export const HANDSHAKE_MS = 3000;

/** The error for a TLS handshake the port never answered (a plaintext server waiting for more bytes). */
export function handshakeTimeout(ms: number): Error {
  return Object.assign(new Error(`no answer to the TLS handshake within ${ms} ms`), {
    code: 'ERR_TLS_HANDSHAKE_TIMEOUT',
  });
}

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** Why a TLS handshake failed, with what to do; undefined when the error is not a TLS failure. */
function tlsProblem(errors: unknown[]): string | undefined {
  for (const e of errors) {
    const code = codeOf(e);
    const msg = text(e);
    if (
      UNTRUSTED.has(code) ||
      /self[- ]signed certificate|unable to verify|unable to get (local )?issuer/i.test(msg)
    ) {
      return `its certificate is not trusted (${msg}); give the CA that signed it with ?ca=/path/ca.crt or HEROFLOW_BROKER_CA`;
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altnames|Hostname\/IP does not match/i.test(msg)) {
      return `its certificate is not for this host (${msg}); connect by a name the certificate carries or set ?servername=`;
    }
    if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
      return `its certificate is not valid now (${msg})`;
    }
    if (
      /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|UNKNOWN_PROTOCOL|HANDSHAKE_TIMEOUT|does not support 'tls'/i.test(
        code + msg,
      )
    ) {
      return `it does not speak TLS on this port (${msg}); use the plaintext URL or the server's TLS port`;
    }
    if (
      /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|certificate required|bad certificate|unknown ca|HANDSHAKE_FAILURE/i.test(
        code + msg,
      )
    ) {
      return `it refused the TLS handshake (${msg}); it wants a client certificate it trusts: give ?cert=&key= or ?pfx= (HEROFLOW_BROKER_CERT/KEY/PFX)`;
    }
  }
  return undefined;
}

/** HF_BROKER_AUTH / HF_BROKER_TLS for a failure no retry can mend, else undefined. */
export function fatalConnectError(error: unknown, url: string): HeroflowError | undefined {
  if (error instanceof HeroflowError) return error;
  const errors = chain(error);
  const tls = tlsProblem(errors);
  if (tls) return new HeroflowError('HF_BROKER_TLS', `${brokerLabel(url)}: ${tls}.`);
  const auth = errors.find((e) => nameOf(e) === 'KafkaJSSASLAuthenticationError' || AUTH_TEXT.test(text(e)));
  if (auth) {
    return new HeroflowError(
      'HF_BROKER_AUTH',
      `${brokerLabel(url)} refused the credentials: ${text(auth).split('\n')[0].replace(/\.+$/, '')}. ` +
        'Check the user and password in the URL (or HEROFLOW_BROKER_PASSWORD) and what the server grants them.',
    );
  }
  return undefined;
}

const CONNECTION_NAMES =
  /^KafkaJS(Connection|ConnectionClosed|BrokerNotFound|NoBrokerAvailable|RequestTimeout)Error$/;
const CONNECTION_CODES =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|Connection (error|timeout|closed)|Closed connection|Request \w+\(.*\) timed out/i;

/**
 * The connection to the broker went (refused, reset, closed) or stopped answering (a request timed out:
 * what a network partition looks like, its packets dropped): a retry later may succeed.
 */
export function connectionLost(error: unknown): boolean {
  return chain(error).some(
    (e) => CONNECTION_NAMES.test(nameOf(e)) || CONNECTION_CODES.test(codeOf(e) + text(e)),
  );
}

/** A refused connection says nothing about TLS; a port that accepted and then failed might be a TLS one. */
export function portAnswered(error: unknown): boolean {
  return !chain(error).some((e) => /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH/.test(codeOf(e) + text(e)));
}

/**
 * Does host:port complete a TLS handshake? Used after a plaintext connection failed on an open port, to
 * say "this is a TLS listener" instead of retrying for the whole budget. The certificate is not checked:
 * only the protocol matters here, and nothing is sent after the handshake.
 */
export function speaksTls(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, servername: undefined });
    const done = (yes: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(yes);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('secureConnect', () => done(true));
    // A server that answers the ClientHello with an alert (e.g. "certificate required") speaks TLS too.
    socket.once('error', (e) => done(/alert/i.test(codeOf(e) + text(e))));
  });
}

/** A port that speaks TLS given a plaintext URL, or the other way round. */
export function tlsMismatchError(url: string, host: string, port: number, tlsThere: boolean): HeroflowError {
  return new HeroflowError(
    'HF_BROKER_TLS',
    tlsThere
      ? `${brokerLabel(url)}: ${host}:${port} is a TLS listener and the URL asks for plaintext; ` +
          'add tls=true (or use rediss://, amqps://, mqtts://) with ?ca= for its CA.'
      : `${brokerLabel(url)}: ${host}:${port} does not speak TLS and the URL asks for it; ` +
          "use the server's TLS port, or drop tls=true / the TLS scheme for a plaintext one.",
  );
}
