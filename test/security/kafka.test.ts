/**
 * Kafka over TLS and SASL against kafka-tls (scripts/services.sh: SSL with required client certificates on
 * 127.0.0.1:9094, SASL_SSL with PLAIN and SCRAM on 9095): seed 003's set-up (CA + PKCS#12 keystore and its
 * password) and SASL users.
 */
import { describe, test } from 'node:test';
import { openBroker } from '../../src/brokers/registry.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { P12_PASS, PASS, rejectsWith, roundTrip, tlsFile, USER } from './helpers.js';

const CA = tlsFile('ca.crt');
const MTLS = `kafka://127.0.0.1:9094?tls=true&ca=${CA}&pfx=${tlsFile('client.p12')}&passphrase=${P12_PASS}`;
const SASL = `kafka://${USER}:${PASS}@127.0.0.1:9095?tls=true&ca=${CA}`;

describe('Kafka SSL and SASL_SSL', async () => {
  const skip = await skipUnlessService('kafka-tls');

  test("seed 003's keystore: CA + PKCS#12 client keystore and password publish and consume", {
    skip,
  }, async () => {
    await roundTrip(MTLS);
  });

  test('SASL SCRAM-SHA-256 over TLS publishes and consumes', { skip }, async () => {
    await roundTrip(`${SASL}&sasl=scram-sha-256`);
  });

  test('SASL PLAIN and SCRAM-SHA-512 connect too', { skip }, async () => {
    for (const sasl of ['plain', 'scram-sha-512']) {
      const broker = await openBroker(`${SASL}&sasl=${sasl}`, { connectTimeoutMs: 8000 });
      await broker.close();
    }
  });

  test('a wrong password: HF_BROKER_AUTH naming Kafka and SASL', { skip }, async () => {
    await rejectsWith(SASL.replace(PASS, 'wrong-password'), 'HF_BROKER_AUTH', [
      /^Kafka at kafka:\/\/heroflow:\*\*\*@/,
      /SASL SCRAM SHA512 authentication failed/,
    ]);
  });

  test('no client certificate on the SSL listener: HF_BROKER_TLS', { skip }, async () => {
    await rejectsWith(`kafka://127.0.0.1:9094?tls=true&ca=${CA}`, 'HF_BROKER_TLS', [
      /refused the TLS handshake/,
    ]);
  });

  test('plaintext to the SSL listener: HF_BROKER_TLS, not a retry loop', { skip }, async () => {
    await rejectsWith('kafka://127.0.0.1:9094', 'HF_BROKER_TLS', [/TLS listener/]);
  });
});

describe('Kafka URL checks on the plaintext server', async () => {
  const skip = await skipUnlessService('kafka');

  test('TLS to the plaintext listener: HF_BROKER_TLS', { skip }, async () => {
    await rejectsWith(`${SERVICE_URLS.kafka}?tls=true`, 'HF_BROKER_TLS', [/does not speak TLS/]);
  });

  test('unknown parameters and impossible values are HF_BROKER_URL', { skip }, async () => {
    await rejectsWith(`${SERVICE_URLS.kafka}?ssl=true`, 'HF_BROKER_URL', [/unknown parameter 'ssl'/, /tls/]);
    await rejectsWith(`kafka://u:p@127.0.0.1:9092?sasl=gssapi`, 'HF_BROKER_URL', [
      /sasl=gssapi/,
      /scram-sha-512/,
    ]);
  });
});
