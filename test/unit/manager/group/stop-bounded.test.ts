import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { Leadership } from '../../../../src/manager/group/leadership.js';
import { STOP_DEADLINE_MS } from '../../../../src/manager/group/lease-end.js';
import { ManagerPresence } from '../../../../src/manager/group/presence.js';

// A manager stopped (SIGTERM, Ctrl-C) while etcd lacks a majority: its leases cannot be revoked,
// and a lease still being granted never is. Its stop waited on etcd for each, silent, tens of
// seconds; it waits STOP_DEADLINE_MS at most now and says why the lease was not revoked.

const log = pino({ level: 'silent' });
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** A lease as the etcd3 client's is while etcd has no majority: granted earlier, its revoke never answered. */
class StuckLease extends EventEmitter {
  released = false;
  constructor(private readonly grantAnswers: boolean) {
    super();
  }
  grant(): Promise<string> {
    return this.grantAnswers ? Promise.resolve('1') : never();
  }
  put(): { value(v: string): Promise<void> } {
    return { value: () => Promise.resolve() };
  }
  revoke(): Promise<void> {
    return never();
  }
  revoked(): boolean {
    return false;
  }
  release(): void {
    this.released = true;
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
};

test("a manager's presence stops within the deadline though etcd never answers its revoke, and says so", async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const lease = new StuckLease(true);
  const client = { lease: () => lease } as unknown as Etcd3;
  const presence = new ManagerPresence({
    client,
    prefix: '/p/managers/',
    self: { id: 'm1', url: 'https://127.0.0.1:5555', startedAt: '2026-12-07T00:00:00Z' },
    ttlSeconds: 3,
    log,
  });
  presence.start();
  await settle();
  let outcome: string | undefined = 'still waiting';
  void presence.stop().then((why) => (outcome = why));
  await settle();
  t.mock.timers.tick(STOP_DEADLINE_MS);
  await settle();
  assert.equal(outcome, `etcd did not answer within ${STOP_DEADLINE_MS / 1000}s`);
  assert.ok(lease.released, 'its keep-alives stop: etcd expires it');
});

test('a candidate whose lease is still being granted stops within the deadline, and says so', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const lease = new StuckLease(false);
  const client = { lease: () => lease } as unknown as Etcd3;
  const leadership = new Leadership({
    client,
    key: '/p/leader',
    self: { id: 'm1', url: 'https://127.0.0.1:5555' },
    ttlSeconds: 3,
    log,
  });
  leadership.start();
  await settle();
  let outcome: string | undefined = 'still waiting';
  void leadership.stop().then((why) => (outcome = why));
  await settle();
  t.mock.timers.tick(STOP_DEADLINE_MS);
  await settle();
  assert.equal(outcome, `etcd did not answer within ${STOP_DEADLINE_MS / 1000}s`);
  assert.ok(lease.released);
});
