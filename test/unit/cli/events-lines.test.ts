import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLUSTER_EVENT_TYPES } from '../../../src/api/event-types.js';
import { describe, eventFilter, filterFlags } from '../../../src/cli/events-action.js';

// What `poseidon events` prints for each kind of subject: a task, a node, a service and its rollouts.

const time = '2026-12-03T14:24:58.084Z';

test('a task event names the task, its node and why', () => {
  const line = describe({
    time,
    type: 'task.exited',
    taskId: '4b8511d8-0000-4000-8000-000000000000',
    taskName: 'web-3',
    node: 'w1',
    reason: 'stopped on request',
  });
  assert.equal(line, '14:24:58.084  task.exited        web-3 (4b8511d8) on w1: stopped on request');
  // a check that said nothing (the engine's healthy verdict on an image's HEALTHCHECK) adds no `: `
  const quiet = describe({ time, type: 'task.healthy', taskId: '4b8511d8-0000-4000-8000-000000000000', reason: '' });
  assert.equal(quiet, '14:24:58.084  task.healthy        (4b8511d8)');
});

test('a node event names the node', () => {
  assert.equal(
    describe({ time, type: 'node.down', node: 'w1', reason: 'no heartbeat for 3s' }),
    '14:24:58.084  node.down          w1: no heartbeat for 3s',
  );
});

test('service events name the service and say what changed', () => {
  assert.equal(
    describe({ time, type: 'service.created', service: 'web', version: 1, replicas: 2 }),
    '14:24:58.084  service.created    web: 2 replicas; version 1',
  );
  assert.equal(
    describe({ time, type: 'service.scaled', service: 'web', version: 1, replicas: 1 }),
    '14:24:58.084  service.scaled     web: 1 replica',
  );
  assert.equal(describe({ time, type: 'service.removed', service: 'web' }), '14:24:58.084  service.removed    web');
});

test('rollout events give the versions, the progress, and the reason where it starts and ends', () => {
  const rollout = { time, service: 'web', version: 3, fromVersion: 1, toVersion: 3, total: 2 };
  assert.equal(
    describe({ ...rollout, type: 'update.started', updated: 0, reason: 'new version' }),
    '14:24:58.084  update.started     web: version 1 → 3; new version',
  );
  assert.equal(
    describe({ ...rollout, type: 'update.progress', updated: 1, reason: 'new version' }),
    '14:24:58.084  update.progress    web: version 1 → 3; 1/2 updated',
  );
  // a slot gone stop-first for want of room is said on the progress line that moved it, once
  const note = 'web-2 updated stop-first: no node has room for both versions';
  assert.equal(
    describe({ ...rollout, type: 'update.progress', updated: 1, reason: 'new version', note }),
    `14:24:58.084  update.progress    web: version 1 → 3; 1/2 updated; ${note}`,
  );
  assert.equal(
    describe({ ...rollout, type: 'update.completed', updated: 2, reason: 'all 2 replicas run version 3' }),
    '14:24:58.084  update.completed   web: version 1 → 3; all 2 replicas run version 3',
  );
  const back = { ...rollout, fromVersion: 3, toVersion: 1, updated: 0, reason: 'replica 1 of version 1 failed' };
  assert.equal(
    describe({ ...back, type: 'update.paused', state: 'rollback_paused' }),
    '14:24:58.084  update.paused      web: rollback paused; version 3 → 1; replica 1 of version 1 failed',
  );
  assert.equal(
    describe({ ...back, type: 'update.paused', state: 'paused' }),
    '14:24:58.084  update.paused      web: version 3 → 1; replica 1 of version 1 failed',
  );
});

test('every event type the manager sends leaves its subject in one column, the longest type too', () => {
  // the time (12) and two spaces, then update.rolled_back (18), the longest, and one space
  const columns = new Set(CLUSTER_EVENT_TYPES.map((type) => describe({ time, type, node: 'w1' }).indexOf('w1')));
  assert.deepEqual([...columns], [33]);
  // a type no manager sends yet (a newer one's) is longer than the column, and still has a space after it
  assert.equal(
    describe({ time, type: 'node.a-type-longer-than-any', node: 'w1' }),
    '14:24:58.084  node.a-type-longer-than-any w1',
  );
});

test('a service name with terminal escapes is printed escaped', () => {
  assert.doesNotMatch(describe({ time, type: 'service.removed', service: 'web\u001b[2J' }), /\u001b/);
});

test('filters: a task by name, id or id prefix; a flag repeated is any of its values, two flags are both', () => {
  const id = '4b8511d8-0000-4000-8000-000000000000';
  const started = { time, type: 'task.started', taskId: id, taskName: 'web-1', node: 'w1', service: 'web' };
  const down = { time, type: 'node.down', node: 'w2' };
  const created = { time, type: 'service.created', service: 'web' };
  const keeps = (flags: Parameters<typeof eventFilter>[0]): string[] =>
    [started, down, created].filter(eventFilter(flags)).map((e) => e.type);
  assert.deepEqual(keeps({}), ['task.started', 'node.down', 'service.created']);
  for (const task of ['web-1', id, '4b85', '4b8511d8-0000'])
    assert.deepEqual(keeps({ task: [task] }), ['task.started']);
  assert.deepEqual(keeps({ task: ['4b8'] }), [], 'an id prefix has four digits at least');
  assert.deepEqual(keeps({ node: ['w1', 'w2'] }), ['task.started', 'node.down']);
  assert.deepEqual(keeps({ service: ['web'] }), ['task.started', 'service.created']);
  assert.deepEqual(keeps({ service: ['web'], type: ['service'] }), ['service.created']);
  assert.deepEqual(keeps({ type: ['node', 'task.started'] }), ['task.started', 'node.down']);
  assert.throws(() => eventFilter({ type: ['tasks'] }), { code: 'invalid_request', field: '--type' });
});

test('secret and config events name it, never a value; --type secret picks them', () => {
  assert.equal(describe({ time, type: 'secret.created', file: 'db-pass' }), '14:24:58.084  secret.created     db-pass');
  assert.equal(describe({ time, type: 'config.removed', file: 'site' }), '14:24:58.084  config.removed     site');
  const secrets = eventFilter({ type: ['secret'] });
  assert.equal(secrets({ time, type: 'secret.removed', file: 'x' }), true);
  assert.equal(secrets({ time, type: 'config.removed', file: 'x' }), false);
});

test('job events give the version, the tasks its run wants done, and how many completed and failed', () => {
  const job = { time, service: 'migrate', version: 3, total: 5 };
  assert.equal(
    describe({ ...job, type: 'job.started' }),
    '14:24:58.084  job.started        migrate: version 3; 5 to complete',
  );
  assert.equal(
    describe({ ...job, type: 'job.completed', completed: 5, failed: 0 }),
    '14:24:58.084  job.completed      migrate: version 3; 5/5 completed',
  );
  assert.equal(
    describe({ ...job, type: 'job.failed', completed: 3, failed: 2 }),
    '14:24:58.084  job.failed         migrate: version 3; 3/5 completed, 2 failed',
  );
  // --type job keeps a job's events alone
  const kept = [
    { ...job, type: 'job.failed' },
    { time, type: 'update.started', service: 'web' },
  ].filter(eventFilter({ type: ['job'] }));
  assert.deepEqual(
    kept.map((e) => e.type),
    ['job.failed'],
  );
});

test("--filter KEY=VALUE, docker events' spelling, is the flag it names; a key with no flag is refused", () => {
  assert.deepEqual(filterFlags({ filter: ['type=task', 'container=web-1', 'service=web'], type: ['node'] }), {
    filter: ['type=task', 'container=web-1', 'service=web'],
    type: ['node', 'task'],
    task: ['web-1'],
    service: ['web'],
  });
  assert.deepEqual(filterFlags({ node: ['w1'] }), { node: ['w1'] });
  for (const bad of ['event=die', 'type', 'type=', '=task'])
    assert.throws(() => filterFlags({ filter: [bad] }), {
      message: `--filter is "${bad}"; use task=NAME, node=NAME, service=NAME or type=TYPE (or --task, --node, --service, --type)`,
    });
});
