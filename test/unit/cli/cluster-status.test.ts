import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ClusterStatusView } from '../../../src/api/index.js';
import { clusterText, showClusterStatus, type ClusterShown } from '../../../src/cli/cluster-action.js';
import { captured } from '../../helpers/captured-output.js';
import { serve } from '../../helpers/fake-manager.js';

// `poseidon cluster status` while no manager leads: the manager asked answers itself, the
// managers etcd still lists that do not answer are shown unreachable, and a line says why none
// leads, as that manager sees it. A follower's answer says how current the copy it answered from is.

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

/** A follower answering /status as of `headers` (its copy's), listing itself and a leader. */
async function follower(t: TestContext, headers: Record<string, string>): Promise<string> {
  let self = '';
  const { url } = await serve(t, (_req, res) => {
    const status: ClusterStatusView = {
      leader: 'd3f26ddd-0000',
      managers: [
        { ...member('a9650e8c-0000', 7222), url: self },
        { ...member('d3f26ddd-0000', 7221), leader: true, since: new Date().toISOString(), answers: true },
      ],
      store: { kind: 'etcd', members: [] },
      answeredBy: 'a9650e8c-0000',
    };
    res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(status));
  });
  self = url;
  return url;
}

test("a follower's answer: its copy's etcd revision, and cut off from etcd how old the copy is", async (t) => {
  const inTouch = await follower(t, { 'x-poseidon-copy-revision': '1234' });
  const shown = await captured((io) => showClusterStatus({ manager: inTouch }, io));
  assert.equal(shown.out.split('\n')[3], 'follower a9650e8c answered from its copy, at etcd revision 1234');
  const json = await captured((io) => showClusterStatus({ manager: inTouch, json: true }, io));
  assert.deepEqual((JSON.parse(json.out) as ClusterShown).copy, { revision: 1234 });

  const cutOff = await follower(t, { 'x-poseidon-copy-revision': '1234', 'x-poseidon-copy-age': '12' });
  const stale = await captured((io) => showClusterStatus({ manager: cutOff }, io));
  assert.equal(
    stale.out.split('\n')[3],
    'follower a9650e8c answered from its copy, at etcd revision 1234, as of 12s ago: it is cut off from etcd, ' +
      'and what changed since (a token revoked too) is not in it',
  );
  const staleJson = await captured((io) => showClusterStatus({ manager: cutOff, json: true }, io));
  assert.deepEqual((JSON.parse(staleJson.out) as ClusterShown).copy, { revision: 1234, ageSeconds: 12 });
});

test('a leader, a lone manager or an older one says no copy: no line, and no copy in --json', async (t) => {
  const leader = await follower(t, {});
  const shown = await captured((io) => showClusterStatus({ manager: leader }, io));
  assert.equal(shown.out.split('\n')[3], '');
  assert.ok(!shown.out.includes('copy'));
  const json = await captured((io) => showClusterStatus({ manager: leader, json: true }, io));
  assert.equal('copy' in (JSON.parse(json.out) as object), false);
});
