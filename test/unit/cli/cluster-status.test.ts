import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterStatusView } from '../../../src/api/index.js';
import { clusterText } from '../../../src/cli/cluster-action.js';

// `poseidon cluster status` while no manager leads: the manager asked answers itself, the
// managers etcd still lists that do not answer are shown unreachable, and a line says why none
// leads, as that manager sees it.

const member = (id: string, port: number): ClusterStatusView['managers'][number] => ({
  id,
  url: `https://127.0.0.1:${port}`,
  leader: false,
  since: null,
  version: '0.1.0',
});

test('no leader: the silent managers unreachable, and why none leads as the one asked sees it', () => {
  const status: ClusterStatusView = {
    leader: null,
    managers: [member('30da079f-0000', 7223), member('a9650e8c-0000', 7222), member('d3f26ddd-0000', 7221)],
    store: {
      kind: 'etcd',
      members: [
        {
          endpoint: 'http://127.0.0.1:7201',
          healthy: false,
          leader: false,
          version: '3.4.23',
          dbSizeBytes: 1024,
          error: 'etcdserver: no leader',
        },
      ],
    },
    answeredBy: 'a9650e8c-0000',
    noLeader: 'etcd has no majority: …',
  };
  const text = clusterText(status, Date.now(), [], ['https://127.0.0.1:7221']);
  assert.deepEqual(text.split('\n').slice(0, 5), [
    'MANAGER   URL                     ROLE         VERSION  SINCE',
    '30da079f  https://127.0.0.1:7223  follower     0.1.0    -',
    'a9650e8c  https://127.0.0.1:7222  follower     0.1.0    -',
    'd3f26ddd  https://127.0.0.1:7221  unreachable  0.1.0    -',
    'no manager leads right now (as a9650e8c sees it): etcd has no majority: …',
  ]);
});

test('a leader the follower asked and got no answer from: still the leader (etcd says so), shown unreachable', () => {
  const since = new Date(Date.now() - 60_000).toISOString();
  const status: ClusterStatusView = {
    leader: 'd3f26ddd-0000',
    managers: [
      member('a9650e8c-0000', 7222),
      { ...member('d3f26ddd-0000', 7221), leader: true, since, answers: false },
    ],
    store: { kind: 'etcd', members: [] },
    answeredBy: 'a9650e8c-0000',
  };
  const lines = clusterText(status).split('\n');
  assert.match(lines[2] ?? '', /^d3f26ddd {2}https:\/\/127\.0\.0\.1:7221 {2}leader \(unreachable\) {2}0\.1\.0/);
  assert.equal(
    lines[3],
    'the leader d3f26ddd holds the leader key in etcd but does not answer (as a9650e8c sees it): ' +
      'if it died or is cut off, another manager leads once its lease runs out',
  );
  const answering = clusterText({ ...status, managers: status.managers.map((m) => ({ ...m, answers: true })) });
  assert.match(answering.split('\n')[2] ?? '', / leader {2}/);
  assert.ok(!answering.includes('does not answer'));
});
