/**
 * MQTT over TLS with client certificates and a password, against mosquitto-tls (scripts/services.sh:
 * 127.0.0.1:8883, `require_certificate true`, no anonymous access).
 */
import { describe, test } from 'node:test';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { P12_PASS, PASS, rejectsWith, roundTrip, tlsFile, USER } from './helpers.js';

const CA = tlsFile('ca.crt');
const CLIENT = `ca=${CA}&cert=${tlsFile('client.crt')}&key=${tlsFile('client.key')}`;
const TLS = `mqtts://${USER}:${PASS}@127.0.0.1:8883?${CLIENT}`;

describe('MQTT TLS with client certificates', async () => {
  const skip = await skipUnlessService('mosquitto-tls');

  test('mqtts:// with a client certificate and the password publishes and consumes', { skip }, async () => {
    await roundTrip(TLS);
  });

  test('mqtt://…?tls=true with a PKCS#12 keystore works too', { skip }, async () => {
    await roundTrip(
      `mqtt://${USER}:${PASS}@127.0.0.1:8883?tls=true&ca=${CA}&pfx=${tlsFile('client.p12')}&passphrase=${P12_PASS}`,
    );
  });

  test('a wrong password: HF_BROKER_AUTH naming MQTT', { skip }, async () => {
    await rejectsWith(TLS.replace(PASS, 'wrong-password'), 'HF_BROKER_AUTH', [
      /^MQTT at mqtts:\/\/heroflow:\*\*\*@/,
      /Not authorized/i,
    ]);
  });

  test('no client certificate: HF_BROKER_TLS saying the server wants one', { skip }, async () => {
    await rejectsWith(`mqtts://${USER}:${PASS}@127.0.0.1:8883?ca=${CA}`, 'HF_BROKER_TLS', [
      /certificate required/,
      /cert=&key=/,
    ]);
  });

  test('plaintext to the TLS listener: HF_BROKER_TLS', { skip }, async () => {
    await rejectsWith(`mqtt://${USER}:${PASS}@127.0.0.1:8883`, 'HF_BROKER_TLS', [/TLS listener/]);
  });
});

describe('MQTT URL checks on the plaintext server', async () => {
  const skip = await skipUnlessService('mqtt');

  test('TLS to the plaintext port: HF_BROKER_TLS, not a retry loop', { skip }, async () => {
    await rejectsWith(`${SERVICE_URLS.mqtt}?tls=true`, 'HF_BROKER_TLS', [/does not speak TLS/]);
  });

  test('an unknown parameter: HF_BROKER_URL naming it and the allowed ones', { skip }, async () => {
    await rejectsWith(`${SERVICE_URLS.mqtt}?sessionexpiry=1`, 'HF_BROKER_URL', [
      /unknown parameter 'sessionexpiry'/,
      /sessionExpiry/,
    ]);
  });
});
