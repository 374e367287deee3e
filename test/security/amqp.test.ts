/**
 * RabbitMQ over TLS, against rabbitmq-tls (scripts/services.sh: node rabbit-tls@localhost, TLS only on
 * 127.0.0.1:5671, user heroflow), and a wrong password on the shared plaintext rabbitmq (issue 14 failure 4:
 * amqplib's raw error with its stack reached the user).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { P12_PASS, PASS, rejectsWith, roundTrip, tlsFile, USER } from './helpers.js';

const CA = tlsFile('ca.crt');
const TLS = `amqps://${USER}:${PASS}@127.0.0.1:5671?ca=${CA}`;

describe('RabbitMQ TLS', async () => {
  const skip = await skipUnlessService('rabbitmq-tls');

  test('amqps:// with the CA publishes and consumes', { skip }, async () => {
    await roundTrip(TLS);
  });

  test('amqp://…?tls=true with a PKCS#12 client keystore (verified by the server) works', {
    skip,
  }, async () => {
    await roundTrip(
      `amqp://${USER}:${PASS}@127.0.0.1:5671?tls=true&ca=${CA}&pfx=${tlsFile('client.p12')}&passphrase=${P12_PASS}`,
    );
  });

  test('a wrong password: HF_BROKER_AUTH naming RabbitMQ and ACCESS_REFUSED', { skip }, async () => {
    await rejectsWith(TLS.replace(PASS, 'wrong-password'), 'HF_BROKER_AUTH', [
      /^RabbitMQ at amqps:\/\/heroflow:\*\*\*@/,
      /ACCESS_REFUSED/,
    ]);
  });

  test('plaintext to the TLS listener: HF_BROKER_TLS', { skip }, async () => {
    await rejectsWith(`amqp://${USER}:${PASS}@127.0.0.1:5671`, 'HF_BROKER_TLS', [/TLS listener/]);
  });

  test('a client certificate from another CA is refused: HF_BROKER_TLS', { skip }, async () => {
    await rejectsWith(
      `${TLS}&cert=${tlsFile('stranger.crt')}&key=${tlsFile('stranger.key')}`,
      'HF_BROKER_TLS',
      [/refused the TLS handshake/, /bad certificate/],
    );
  });
});

describe('RabbitMQ credentials and URL checks on the plaintext server', async () => {
  const skip = await skipUnlessService('rabbitmq');
  const wrong = SERVICE_URLS.rabbitmq.replace(/:\/\/([^:]+):[^@]*@/, '://$1:wrong-password@');

  test('a wrong password: HF_BROKER_AUTH at once', { skip }, async () => {
    await rejectsWith(wrong, 'HF_BROKER_AUTH', [/^RabbitMQ at /, /ACCESS_REFUSED/]);
  });

  test('TLS to the plaintext port: HF_BROKER_TLS', { skip }, async () => {
    await rejectsWith(`${SERVICE_URLS.rabbitmq}?tls=true`, 'HF_BROKER_TLS', [
      /does not speak TLS/,
      /wrong version number/,
    ]);
  });

  test('through the CLI: a wrong password is one line, exit 1, no stack; an unknown parameter exits 2', {
    skip,
  }, () => {
    const auth = runCli(['pub', 'sec.cli', '--broker', wrong]);
    assert.equal(auth.status, 1, auth.stderr);
    assert.match(auth.stderr, /^heroflow: RabbitMQ at amqp:\/\/guest:\*\*\*@.* refused the credentials/m);
    assert.doesNotMatch(auth.stderr, /\n\s+at |wrong-password/);
    const unknown = runCli(['pub', 'sec.cli', '--broker', `${SERVICE_URLS.rabbitmq}?prefetsh=10`]);
    assert.equal(unknown.status, 2, unknown.stderr);
    assert.match(unknown.stderr, /unknown parameter 'prefetsh'.*prefetch/);
  });
});
