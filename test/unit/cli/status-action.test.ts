import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeStatusView, ServiceView } from '../../../src/api/index.js';
import { checkFilterNames, removedNodeLines, stateOf, stoppingLine } from '../../../src/cli/status-action.js';
import { RemoteError } from '../../../src/errors/index.js';

test('poseidon stop: a plain task is stopping; a replica says its service replaces it, and how to run fewer', () => {
  const id = '21d8f0a9-0000-4000-8000-000000000000';
  const running = { state: 'Running', reason: 'running' } as const;
  assert.equal(stoppingLine({ id, ...running }), `${id} stopping\n`);
  assert.equal(
    stoppingLine({ id, service: 'web', ...running }),
    `${id} stopping; a replica of service web, which starts another in its place (to run fewer: poseidon service scale web N)\n`,
  );
  assert.equal(
    stoppingLine({ id, service: 'agent', ...running }, { global: true, ownData: false }),
    `${id} stopping; a replica of service agent, which starts another in its place ` +
      '(to run it on fewer nodes: poseidon service update agent --constraint-add RULE)\n',
    'a global service is not scaled',
  );
  assert.equal(
    stoppingLine({ id, service: 'db', ...running }, { global: false, ownData: true }),
    `${id} stopping; a replica of service db, which starts another in its place once this one has ended ` +
      '(to run fewer: poseidon service scale db N)\n',
    'a replica on a named volume is replaced only once it has ended: no two write its data',
  );
  assert.equal(
    stoppingLine({ id, service: 'w\u001b[2Jeb', ...running }).includes('\u001b'),
    false,
    'a name is printed escaped',
  );
  const finishedAt = '2026-12-07T16:05:03.412Z';
  assert.equal(
    stoppingLine({ id, state: 'Failed', reason: 'exited with code 3', finishedAt }),
    `${id} had already ended: Failed at 2026-12-07 16:05:03Z (exited with code 3); it is not restarted\n`,
  );
  assert.equal(
    stoppingLine({ id, state: 'Completed', reason: 'exited with code 0', finishedAt: null }),
    `${id} had already ended: Completed (exited with code 0); it is not restarted\n`,
    'no time when the manager knows none',
  );
  assert.equal(
    stoppingLine({ id, state: 'Failed', reason: 'exited with code 3; stopped on request', finishedAt }),
    `${id} had already ended: Failed at 2026-12-07 16:05:03Z (exited with code 3); it is not restarted\n`,
    'the mark an older manager left on the reason is not said twice',
  );
});

test('status --state takes a state in any case, sent as its own name; anything else names the flag and the states', () => {
  assert.equal(stateOf('RUNNING'), 'Running');
  assert.equal(stateOf('pending'), 'Pending');
  assert.throws(() => stateOf('bogus'), {
    message: '--state is "bogus"; use one of Pending, Scheduled, Running, Completed, Failed',
  });
});

test('node rm names the volumes the removed node held, which start over empty elsewhere', () => {
  const removed = { name: 'w2', nodeId: 'n2' };
  assert.equal(removedNodeLines(removed, []), 'node w2 (n2) removed; its certificate is refused from now on\n');
  const volumes = [
    { name: 'data-1', nodeId: 'n2' },
    { name: 'data-2', nodeId: 'n1' },
    { name: 'data-3', nodeId: 'n2' },
  ];
  assert.equal(
    removedNodeLines(removed, volumes),
    'node w2 (n2) removed; its certificate is refused from now on\n' +
      'its volumes data-1, data-3 are forgotten: tasks that mount them start elsewhere with new, empty ones ' +
      '(the data stays on that machine)\n',
  );
  assert.match(
    removedNodeLines(removed, volumes.slice(0, 1)),
    /its volume data-1 is forgotten: tasks that mount it start elsewhere with a new, empty one/,
  );
});

test('status --node or --service with no task: a name that matches no node or service is said, not "no tasks"', async () => {
  const nodes = [
    { id: 'a9e802ae-0000', name: 'w1' },
    { id: '8481c1c0-0000', name: 'w2' },
  ] as NodeStatusView[];
  const client = {
    listNodes: () => Promise.resolve(nodes),
    getService: (name: string): Promise<ServiceView> =>
      name === 'web'
        ? Promise.resolve({ name: 'web' } as ServiceView)
        : Promise.reject(new RemoteError('service_not_found', 404, `no service ${name}`)),
  };
  await assert.rejects(checkFilterNames(client, { node: 'w9' }), { message: 'no node w9 (the nodes: w1, w2)' });
  await assert.rejects(checkFilterNames(client, { service: 'wbe' }), { message: 'no service wbe' });
  // names that exist, a node by its id's prefix too: "no tasks" stands
  await checkFilterNames(client, { node: 'w2', service: 'web' });
  await checkFilterNames(client, { node: 'a9e8' });
  await checkFilterNames(client, {});
});
