import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreMemberView, StoreStatusView } from '../../../../src/api/index.js';
import { whyNoLeader } from '../../../../src/manager/group/leaderless.js';

// Why no manager leads, as the manager asked (GET /status) sees it: etcd's majority lost (which
// members answer, what they say, which do not), this manager cut off alone, or an election.

const healthy = (port: number): StoreMemberView => ({
  endpoint: `http://127.0.0.1:${port}`,
  healthy: true,
  leader: false,
  version: '3.4.23',
  dbSizeBytes: 36_864,
  error: null,
});
const leaderless = (port: number): StoreMemberView => ({
  ...healthy(port),
  healthy: false,
  error: 'etcdserver: no leader',
});
const down = (port: number): StoreMemberView => ({
  ...healthy(port),
  healthy: false,
  version: null,
  dbSizeBytes: null,
  error: 'connect ECONNREFUSED',
});
const etcd = (...members: StoreMemberView[]): StoreStatusView => ({ kind: 'etcd', members });

test("etcd's majority lost: how many are healthy of how many, which answer and what they say, which do not", () => {
  assert.equal(
    whyNoLeader(etcd(leaderless(2379), down(22379), down(32379)), 9_000, 3),
    'etcd has no majority: 0 of the 3 members the managers were given (--store) are healthy, and a leader ' +
      'needs 2; http://127.0.0.1:2379 answers: etcdserver: no leader; http://127.0.0.1:22379 and ' +
      'http://127.0.0.1:32379 do not answer; start the members that are down, or restore their network',
  );
  assert.match(
    whyNoLeader(etcd(healthy(2379), down(22379), down(32379)), 0, 3),
    /^etcd has no majority: 1 of the 3 members .* is healthy, and a leader needs 2; http:\/\/127.0.0.1:22379 and http:\/\/127.0.0.1:32379 do not answer;/,
  );
  assert.match(
    whyNoLeader(etcd(healthy(1), down(2), down(3), down(4), down(5)), 0, 3),
    /needs 3; http:\/\/127.0.0.1:2, http:\/\/127.0.0.1:3, http:\/\/127.0.0.1:4 and http:\/\/127.0.0.1:5 do not answer/,
  );
});

test('a majority healthy: this manager cut off alone, or an election under way', () => {
  const fine = etcd(healthy(1), healthy(2), down(3));
  assert.equal(
    whyNoLeader(fine, 7_400, 3),
    "this manager has not reached a majority of etcd's members for 7s though they answer its status probe: " +
      'it cannot tell which manager leads; ask another manager',
  );
  assert.equal(
    whyNoLeader(fine, 0, 3),
    'an election is under way: a leader that died or was cut off is replaced within about 3s',
  );
});
