/**
 * Redis over TLS with an ACL user, against redis-tls (scripts/services.sh: 127.0.0.1:6390, TLS only,
 * `default` user off) and the shared plaintext redis for the database and no-auth checks.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openBroker } from '../../src/brokers/registry.js';
import { runCli } from '../helpers/cli.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { capture, P12_PASS, PASS, rejectsWith, roundTrip, tlsFile, USER } from './helpers.js';

const CA = tlsFile('ca.crt');
const TLS = `redis+streams://${USER}:${PASS}@127.0.0.1:6390/0?tls=true&ca=${CA}`;

describe('redis TLS and ACL users', async () => {
  const skip = await skipUnlessService('redis-tls');

  test('the ACL user over TLS publishes and consumes', { skip }, async () => {
    await roundTrip(TLS);
  });

  test('rediss:// with a PKCS#12 client keystore works too', { skip }, async () => {
    await roundTrip(
      `rediss://${USER}:${PASS}@127.0.0.1:6390/0?ca=${CA}&pfx=${tlsFile('client.p12')}&passphrase=${P12_PASS}`,
    );
  });

  test('a wrong password fails at once with HF_BROKER_AUTH naming Redis', { skip }, async () => {
    await rejectsWith(TLS.replace(PASS, 'wrong-password'), 'HF_BROKER_AUTH', [
      /^Redis at rediss?\S*:\/\/heroflow:\*\*\*@/,
      /WRONGPASS/,
    ]);
  });

  test('no credentials on a server that wants them: HF_BROKER_AUTH (NOAUTH)', { skip }, async () => {
    await rejectsWith(`redis+streams://127.0.0.1:6390/0?tls=true&ca=${CA}`, 'HF_BROKER_AUTH', [/NOAUTH/]);
  });

  test('plaintext to the TLS port: HF_BROKER_TLS saying it is a TLS listener', { skip }, async () => {
    await rejectsWith(`redis+streams://${USER}:${PASS}@127.0.0.1:6390/0`, 'HF_BROKER_TLS', [
      /TLS listener/,
      /tls=true/,
    ]);
  });

  test('a server certificate from an unknown CA: HF_BROKER_TLS naming ?ca=', { skip }, async () => {
    await rejectsWith(`redis+streams://${USER}:${PASS}@127.0.0.1:6390/0?tls=true`, 'HF_BROKER_TLS', [
      /not trusted/,
      /ca=/,
    ]);
  });
});

describe('redis URL checks on the plaintext server', async () => {
  const skip = await skipUnlessService('redis');
  const base = SERVICE_URLS.redis.replace(/^redis:/, 'redis+streams:').replace(/\/\d+$/, '');

  test('TLS to the plaintext port: HF_BROKER_TLS, not a hang', { skip }, async () => {
    await rejectsWith(`${base}/0?tls=true`, 'HF_BROKER_TLS', [/does not speak TLS/]);
  });

  test('a database the server does not have is refused, not replaced by DB 0', { skip }, async () => {
    await rejectsWith(`${base}/99`, 'HF_BROKER_URL', [/database 99/, /out of range/]);
  });

  test('a password given to a server without auth is named in a warning', { skip }, async () => {
    const { lines, options } = capture();
    const broker = await openBroker(
      base.replace('redis+streams://', 'redis+streams://:some-password@'),
      options,
    );
    await broker.close();
    assert.ok(
      lines.some((l) => /^warn redis has no password set/.test(l)),
      lines.join('\n'),
    );
    assert.ok(!lines.join('\n').includes('some-password'));
  });

  test('through the CLI: an unknown URL parameter and a bad database exit 2 naming them', { skip }, () => {
    const unknown = runCli(['pub', 'sec.cli', '--broker', `${base}/0?tsl=true`]);
    assert.equal(unknown.status, 2, unknown.stderr);
    assert.match(unknown.stderr, /unknown parameter 'tsl'.*accepts .*tls/);
    const db = runCli(['pub', 'sec.cli', '--broker', `${base}/99`]);
    assert.equal(db.status, 2, db.stderr);
    assert.match(db.stderr, /database 99/);
    assert.doesNotMatch(unknown.stderr + db.stderr, /\n\s+at /); // no stack trace
  });
});
