/**
 * NATS with TLS and users / NKeys against nats-tls (scripts/services.sh: 127.0.0.1:4223, TLS required,
 * user heroflow and an NKey user whose seed is .services/tls/nats-user.nk), and a token against nats-token
 * (127.0.0.1:4224; nats-server takes no token beside a users list).
 */
import { describe, test } from 'node:test';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { PASS, rejectsWith, roundTrip, tlsFile, USER } from './helpers.js';

const CA = tlsFile('ca.crt');
const TLS = `nats://${USER}:${PASS}@127.0.0.1:4223?tls=true&ca=${CA}`;

describe('NATS TLS, users and NKeys', async () => {
  const skip = await skipUnlessService('nats-tls');

  test('user and password over TLS publish and consume', { skip }, async () => {
    await roundTrip(TLS);
  });

  test('an NKey seed file over TLS with a client certificate works too', { skip }, async () => {
    await roundTrip(
      `nats://127.0.0.1:4223?nkey=${tlsFile('nats-user.nk')}&ca=${CA}&cert=${tlsFile('client.crt')}&key=${tlsFile('client.key')}`,
    );
  });

  test('a wrong password: HF_BROKER_AUTH naming NATS', { skip }, async () => {
    await rejectsWith(TLS.replace(PASS, 'wrong-password'), 'HF_BROKER_AUTH', [
      /^NATS at nats:\/\/heroflow:\*\*\*@/,
      /Authorization Violation/,
    ]);
  });

  test('plaintext to the TLS-only server: HF_BROKER_TLS (nats.js upgrades, the certificate is not trusted)', {
    skip,
  }, async () => {
    await rejectsWith(`nats://${USER}:${PASS}@127.0.0.1:4223`, 'HF_BROKER_TLS', [/not trusted/, /ca=/]);
  });

  test('a file that is no NKey seed is a bad URL (exit 2)', { skip }, async () => {
    await rejectsWith(`nats://127.0.0.1:4223?nkey=${CA}`, 'HF_BROKER_URL', [
      /does not hold a user NKey seed/,
    ]);
  });
});

describe('NATS token', async () => {
  const skip = await skipUnlessService('nats-token');

  test('the right token publishes and consumes; a wrong one is HF_BROKER_AUTH', { skip }, async () => {
    await roundTrip(`nats://${PASS}@127.0.0.1:4224`);
    await rejectsWith('nats://wrong-password@127.0.0.1:4224', 'HF_BROKER_AUTH', [/Authorization Violation/]);
  });
});

describe('NATS URL checks on the plaintext server', async () => {
  const skip = await skipUnlessService('nats');

  test('?tls=true on a server without TLS: HF_BROKER_TLS (it ran in plaintext before)', {
    skip,
  }, async () => {
    await rejectsWith(`${SERVICE_URLS.nats}?tls=true`, 'HF_BROKER_TLS', [/does not speak TLS/]);
  });

  test('an unknown parameter: HF_BROKER_URL naming it', { skip }, async () => {
    await rejectsWith(`${SERVICE_URLS.nats}?tsl=true`, 'HF_BROKER_URL', [/unknown parameter 'tsl'/]);
  });
});
