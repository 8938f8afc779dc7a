import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** A manager whose event stream says `lines`, each after `gapMs`, and whose task reads as `looks` say. */
function streaming(lines: readonly object[], gapMs: number, ...looks: ManagerTaskView[]): ManagerClient {
  const submitted = looks[0] ?? pending();
  const fake = {
    events: async (signal?: AbortSignal) => {
      const stream = new PassThrough();
      void (async () => {
        for (const l of lines) {
          await sleep(gapMs);
          stream.write(`${JSON.stringify(l)}\n`);
        }
      })();
      signal?.addEventListener('abort', () => stream.destroy());
      return stream;
    },
    getTask: async () => looks.shift() ?? submitted,
  };
  return fake as unknown as ManagerClient;
}

const ID = '0123abcd-0000-4000-8000-000000000000';
const event = (state: string, reason = '') => ({ taskId: ID, state, node: 'w1', reason });

test('run --wait hears a command that exits right after it started: Failed, not Running', async () => {
  const client = streaming([event('Running', 'running'), event('Failed', 'exited with code 127')], 30, pending());
  const { outcome } = await submitAndWait(client, async () => pending(), 60_000, 2_000);
  assert.equal(outcome.state, 'Failed');
  assert.equal(outcome.reason, 'exited with code 127');
});

test('run --wait ends Running once the task has run for the settle time', async () => {
  const client = streaming([event('Scheduled'), event('Running', 'running')], 5, pending());
  const { outcome } = await submitAndWait(client, async () => pending(), 60_000, 50);
  assert.deepEqual(outcome, { id: ID, state: 'Running', node: 'w1', reason: 'running' });
});

test('run --wait keeps the first end it hears, though a restart follows in the same read', async () => {
  const client = streaming([event('Failed', 'exited with code 1'), event('Pending', 'restarting in 1s')], 0, pending());
  const { outcome } = await submitAndWait(client, async () => pending(), 60_000, 50);
  assert.equal(outcome.state, 'Failed');
});

test('run --wait without an event stream looks once more when the settle time is up', async () => {
  const running = pending({ state: 'Running', node: 'w1', reason: 'running' });
  const failed = pending({ state: 'Failed', node: 'w1', reason: 'exited with code 127' });
  const { outcome } = await submitAndWait(manager(pending(), running, failed), async () => pending(), 60_000, 20);
  assert.equal(outcome.state, 'Failed');
  const { outcome: ran } = await submitAndWait(manager(pending(), running), async () => pending(), 60_000, 20);
  assert.equal(ran.state, 'Running');
});
