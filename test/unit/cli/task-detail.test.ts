import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ManagerTaskView } from '../../../src/api/index.js';
import { taskDetail } from '../../../src/cli/format.js';

const NOW = Date.parse('2026-12-04T12:00:00.000Z');

function task(fields: Partial<ManagerTaskView>): ManagerTaskView {
  return {
    id: '90a54adf-c775-46f1-ac2e-bf63ed5b9804',
    name: 'web',
    image: 'poseidon/busybox:latest',
    command: ['httpd', '-f', '-p', '80'],
    desiredState: 'running',
    state: 'Running',
    node: 'w1',
    nodeId: 'n1',
    generation: 3,
    containerId: '8ea30bfd5dff00',
    exitCode: null,
    reason: 'running',
    ports: [],
    restarts: 2,
    restartAt: null,
    cpu: 0.1,
    memory: 16 * 2 ** 20,
    disk: 0,
    labels: {},
    health: { status: 'starting', failures: 0, lastOutput: '', lastCheckedAt: null },
    lastExit: { reason: 'unhealthy: HTTP 404', exitCode: 143, at: '2026-12-04T11:59:50.000Z' },
    submittedAt: '2026-12-04T11:59:00.000Z',
    startedAt: '2026-12-04T11:59:55.000Z',
    finishedAt: null,
    updatedAt: '2026-12-04T11:59:55.000Z',
    ...fields,
  };
}

test('poseidon status ID says why the last copy ended once a restart or a wait has hidden it', () => {
  assert.match(taskDetail(task({}), NOW), /^Last exit: +unhealthy: HTTP 404 \(10s ago\)$/m);
  const waiting = task({ state: 'Failed', restarts: 0, reason: 'restart waiting: 0/1 nodes can run web: 1 host port' });
  assert.match(taskDetail(waiting, NOW), /^Last exit: +unhealthy: HTTP 404 /m);
});

test('poseidon status ID leaves the last exit out when the reason says it, or no copy has ended', () => {
  const ended = task({ state: 'Failed', restarts: 0, reason: 'unhealthy: HTTP 404; restarting in 2s' });
  assert.doesNotMatch(taskDetail(ended, NOW), /Last exit/);
  assert.doesNotMatch(taskDetail(task({ lastExit: null, restarts: 0 }), NOW), /Last exit/);
  // a manager from before lastExit sends none
  const { lastExit: _none, ...older } = task({});
  assert.doesNotMatch(taskDetail(older, NOW), /Last exit/);
});

test('poseidon status ID lists the secrets and configs the task mounts, where and how; none, no row', () => {
  const files: ManagerTaskView['files'] = [
    { kind: 'secret', source: 'db-pass', target: '/run/secrets/db-pass', uid: 0, gid: 0, mode: 0o444 },
    { kind: 'config', source: 'site', target: '/etc/site.conf', uid: 1000, gid: 2000, mode: 0o440 },
  ];
  const shown = taskDetail(task({ files }), NOW);
  assert.match(shown, /^Secret: +db-pass at \/run\/secrets\/db-pass, mode 0444, owner 0:0$/m);
  assert.match(shown, /^Config: +site at \/etc\/site.conf, mode 0440, owner 1000:2000$/m);
  assert.doesNotMatch(taskDetail(task({}), NOW), /^(Secret|Config):/m);
});
