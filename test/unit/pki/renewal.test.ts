import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { CertificateRenewer, renewalAtMs } from '../../../src/pki/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const DAY = 24 * 3_600_000;
const log = pino({ level: 'silent' });

test('renewal falls between 50% and 80% of the life, where the random draw says', () => {
  const cert = { notBeforeMs: 1_000, notAfterMs: 1_000 + 10 * DAY };
  assert.equal(renewalAtMs(cert, 0), 1_000 + 5 * DAY);
  assert.equal(renewalAtMs(cert, 0.5), 1_000 + 6.5 * DAY);
  assert.equal(renewalAtMs(cert, 0.999999), 1_000 + Math.round(10 * DAY * (0.5 + 0.3 * 0.999999)));
  for (let i = 0; i < 1_000; i++) {
    const at = renewalAtMs(cert, Math.random());
    assert.ok(at >= 1_000 + 5 * DAY && at < 1_000 + 8 * DAY, String(at));
  }
});

interface Cert {
  nodeId: string;
  notBeforeMs: number;
  notAfterMs: number;
}

test('the renewer renews at its point of the window, then again within the new certificate', async () => {
  const clock = new FakeClock(0);
  let cert: Cert = { nodeId: 'n1', notBeforeMs: 0, notAfterMs: 10 * DAY };
  const renewedAt: number[] = [];
  const renewer = new CertificateRenewer({
    clock,
    log,
    random: () => 0.5,
    current: () => cert,
    renew: async () => {
      renewedAt.push(clock.now());
      cert = { nodeId: 'n1', notBeforeMs: clock.now(), notAfterMs: clock.now() + 10 * DAY };
    },
  });
  renewer.start();
  assert.equal(renewer.nextAtMs, 6.5 * DAY);
  clock.advance(6.5 * DAY - 1);
  assert.deepEqual(renewedAt, []);
  clock.advance(1);
  await renewer.stop().then(() => undefined); // stop waits for the renewal in flight
  assert.deepEqual(renewedAt, [6.5 * DAY]);
});

test('a failed renewal is retried with backoff until one succeeds', async () => {
  const clock = new FakeClock(0);
  let cert: Cert = { nodeId: 'n1', notBeforeMs: 0, notAfterMs: 10 * DAY };
  let failures = 3;
  const attempts: number[] = [];
  const renewer = new CertificateRenewer({
    clock,
    log,
    random: () => 0,
    current: () => cert,
    renew: async () => {
      attempts.push(clock.now());
      if (failures-- > 0) throw new Error('manager unreachable');
      cert = { nodeId: 'n1', notBeforeMs: clock.now(), notAfterMs: clock.now() + 10 * DAY };
    },
  });
  renewer.start();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  clock.advance(5 * DAY);
  await settle();
  // retries after 0.5 s, 1 s, 2 s (backoff 1 s doubling, jitter of half with random() = 0)
  for (const step of [500, 1_000, 2_000]) {
    clock.advance(step);
    await settle();
  }
  assert.deepEqual(attempts, [5 * DAY, 5 * DAY + 500, 5 * DAY + 1_500, 5 * DAY + 3_500]);
  assert.equal(renewer.nextAtMs, 5 * DAY + 3_500 + 5 * DAY);
  await renewer.stop();
});

test('a certificate far from renewal waits in steps no timer overflows', async () => {
  const clock = new FakeClock(0);
  const cert = { nodeId: 'n1', notBeforeMs: 0, notAfterMs: 365 * DAY };
  let renewed = 0;
  const renewer = new CertificateRenewer({
    clock,
    log,
    random: () => 0,
    current: () => cert,
    renew: async () => {
      renewed += 1;
    },
  });
  renewer.start();
  clock.advance(182.5 * DAY - 1);
  assert.equal(renewed, 0);
  clock.advance(1);
  await renewer.stop();
  assert.equal(renewed, 1);
});
