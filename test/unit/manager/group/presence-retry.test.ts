import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { ManagerPresence } from '../../../../src/manager/group/presence.js';

// A manager of a group announces itself under a lease of its own, and announces again when that
// fails. With etcd short of a majority, a lease's grant fails: the etcd3 client then emits the
// lease's 'lost' and refuses the put made under it. Each was taken for a failure of its own, so
// every failed announcement scheduled two: they doubled each second, and a follower left so for
// two minutes held gigabytes of them and stopped answering. One failure is one retry.

/** A lease whose grant fails, as the etcd3 client's does when etcd has no majority. */
class FailingLease extends EventEmitter {
  put(): { value(v: string): Promise<void> } {
    return {
      value: async () => {
        await Promise.resolve();
        this.emit('lost', new Error('14 UNAVAILABLE: No connection established'));
        throw new Error('14 UNAVAILABLE: No connection established');
      },
    };
  }
  release(): void {}
  revoked(): boolean {
    return false;
  }
  revoke(): Promise<void> {
    return Promise.resolve();
  }
}

test('an announcement that fails (lease lost and put refused) is tried again once a second, not doubled', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let leases = 0;
  const client = {
    lease: () => {
      leases += 1;
      return new FailingLease();
    },
  } as unknown as Etcd3;
  const presence = new ManagerPresence({
    client,
    prefix: '/p/managers/',
    self: { id: 'm1', url: 'https://127.0.0.1:5555', startedAt: '2026-12-07T00:00:00Z' },
    ttlSeconds: 3,
    log: pino({ level: 'silent' }),
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i += 1) await Promise.resolve();
  };
  presence.start();
  await settle();
  for (let second = 1; second <= 8; second += 1) {
    t.mock.timers.tick(1_000);
    await settle();
    assert.equal(leases, second + 1, `after ${second}s: one announcement a second`);
  }
  await presence.stop();
  t.mock.timers.tick(5_000);
  await settle();
  assert.equal(leases, 9, 'none after stop');
});
