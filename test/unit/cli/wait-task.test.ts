import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ManagerTaskView } from '../../../src/api/index.js';
import type { ManagerClient } from '../../../src/client/index.js';
import { submitAndWait, TaskUnplaceable, WaitTimedOut } from '../../../src/cli/wait-task.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';

// `poseidon run --wait`: a task no node could ever hold ends the wait at once; one that waits for
// room waits until its timeout, as before. The manager is not under test: a fake answers its reads.

function pending(over: Partial<ManagerTaskView> = {}): ManagerTaskView {
  return managerTaskView({
    id: '0123abcd-0000-4000-8000-000000000000',
    name: 'rover',
    state: 'Pending',
    node: null,
    nodeId: null,
    generation: 0,
    containerId: null,
    reason: '0/1 nodes can run rover: 1 node does not match node.labels.zone == mars',
    ...over,
  });
}

/** A manager without an event stream whose task reads as `looks` say, one after another (the last one stays). */
function manager(submitted: ManagerTaskView, ...looks: ManagerTaskView[]): ManagerClient {
  const fake = {
    events: async () => Promise.reject(new Error('no stream')),
    getTask: async () => looks.shift() ?? submitted,
  };
  return fake as unknown as ManagerClient;
}

const never = {
  reason: '0/1 nodes could ever hold it: 1 node does not match node.labels.zone == mars',
  cause: 'constraints',
};

test('run --wait ends at once when no node could ever hold the task, with why and what to do', async () => {
  for (const client of [manager(pending({ unplaceable: never })), manager(pending(), pending({ unplaceable: never }))])
    await assert.rejects(
      submitAndWait(client, async () => pending(), 60_000),
      (err: unknown) => {
        assert.ok(err instanceof TaskUnplaceable);
        assert.equal(err.code, 'unplaceable');
        assert.equal(
          err.message,
          `task 0123abcd (rover) cannot be placed: ${never.reason}; give a node the label it asks for ` +
            "(poseidon node update --label-add KEY=VALUE NODE; poseidon node ls shows each node's labels), or change " +
            '--constraint (it stays Pending: poseidon stop 0123abcd)',
        );
        return true;
      },
    );
});

test('run --wait for a task that waits for room (or is being stopped) waits until its timeout', async () => {
  for (const t of [pending(), pending({ unplaceable: never, desiredState: 'stopped' })])
    await assert.rejects(
      submitAndWait(manager(t), async () => t, 0),
      (err: unknown) => {
        assert.ok(err instanceof WaitTimedOut);
        // the wait ended, not the task: the line says how to follow it or withdraw it
        assert.match(
          err.message,
          /^task 0123abcd is still Pending after 0s: .* \(it goes on: poseidon status 0123abcd /,
        );
        assert.match(err.message, /poseidon stop 0123abcd withdraws it\)$/);
        return true;
      },
    );
});
