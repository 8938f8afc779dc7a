import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskReport } from '../../../src/api/index.js';
import { Compactor } from '../../../src/manager/compact.js';
import {
  chargedNode,
  fail,
  finishStopped,
  lose,
  observe,
  place,
  planRestart,
  requestStop,
  restart,
} from '../../../src/manager/transitions.js';
import { InvalidTransition, TaskState, type TaskState as State } from '../../../src/task/index.js';
import { frozen, on, T0, taskRecord } from './records-fixture.js';

const NOW = '2025-01-01T00:01:00.000Z';
const ALL: readonly State[] = ['Pending', 'Scheduled', 'Running', 'Completed', 'Failed'];

const UNHEALTHY = { status: 'unhealthy' as const, failures: 3, lastOutput: 'timeout', lastCheckedAt: T0 };

function report(state: State, fields: Partial<TaskReport> = {}): TaskReport {
  return {
    taskId: 't1',
    generation: 1,
    state,
    containerId: 'c1',
    exitCode: null,
    reason: state === 'Running' ? 'running' : 'exited with code 1',
    ports: [],
    startedAt: T0,
    finishedAt: null,
    ...fields,
  };
}

/**
 * Each transition with the states the task state machine lets it start from (a task moves to
 * Scheduled again from Running when it is placed anew); any other start throws InvalidTransition.
 */
const CASES: Array<{ name: string; from: readonly State[]; apply(s: State): unknown }> = [
  {
    name: 'place',
    from: ['Pending', 'Running', 'Completed', 'Failed'],
    apply: (s) => place(frozen(on('t1', s, 'n1', 0)), 'n2', 'placed', NOW),
  },
  {
    name: 'restart',
    from: ['Pending', 'Running', 'Completed', 'Failed'],
    apply: (s) => restart(frozen(on('t1', s, 'n1')), 'n1', 'w1', NOW),
  },
  { name: 'lose', from: ['Scheduled', 'Running'], apply: (s) => lose(frozen(on('t1', s, 'n1')), 'node down', NOW) },
  {
    name: 'finishStopped',
    from: ['Pending', 'Scheduled', 'Running'],
    apply: (s) => finishStopped(frozen(on('t1', s, 'n1')), NOW),
  },
  { name: 'fail', from: ['Pending', 'Scheduled', 'Running'], apply: (s) => fail(frozen(on('t1', s, 'n1')), 'no', NOW) },
];

for (const c of CASES) {
  test(`${c.name} is allowed from ${c.from.join(', ')} only, and never changes the record it was given`, () => {
    for (const s of ALL) {
      if (c.from.includes(s)) assert.doesNotThrow(() => c.apply(s), `${c.name} from ${s}`);
      else assert.throws(() => c.apply(s), InvalidTransition, `${c.name} from ${s}`);
    }
  });
}

test('a placement is a new generation on the node, with the reason given', () => {
  const placed = place(taskRecord('t1', { generation: 2 }), 'n1', 'placed on w1', NOW);
  assert.equal(placed.state, TaskState.Scheduled);
  assert.equal(placed.nodeId, 'n1');
  assert.equal(placed.generation, 3);
  assert.equal(placed.reason, 'placed on w1');
  assert.equal(placed.updatedAt, NOW);
});

test('a restart counts itself, clears the last copy, and names its node', () => {
  const before = on('t1', 'Failed', 'n1', 4, {
    containerId: 'c',
    exitCode: 1,
    restarts: 2,
    failuresInRow: 1,
    restartAt: 5,
  });
  const after = restart(before, 'n2', 'w2', NOW);
  assert.deepEqual(
    [after.state, after.nodeId, after.generation, after.restarts, after.failuresInRow],
    ['Scheduled', 'n2', 5, 3, 2],
  );
  assert.deepEqual([after.containerId, after.exitCode, after.restartAt], [null, null, null]);
  assert.equal(after.reason, 'restart 3 placed on w2');
});

test('why a copy ended is kept through its restart and a wait for room, until the next copy ends', () => {
  const compact = new Compactor();
  const running = on('t1', 'Running', 'n1', 1, { containerId: 'c1' });
  assert.equal(running.lastExit, null);
  const ended = observe(
    running,
    report('Failed', { exitCode: 143, reason: 'unhealthy: HTTP 404', finishedAt: NOW }),
    compact,
    NOW,
  );
  const exit = { reason: 'unhealthy: HTTP 404', exitCode: 143, at: NOW };
  assert.deepEqual(ended?.lastExit, exit);
  if (ended === null) return;
  // no room to restart: the reason says so, the exit stays
  const waiting = planRestart(ended, { atMs: 1, reason: 'restart waiting: 0/1 nodes can run t1', resetBackoff: false });
  assert.deepEqual(waiting.lastExit, exit);
  const restarted = restart(waiting, 'n1', 'w1', NOW);
  assert.deepEqual([restarted.exitCode, restarted.lastExit], [null, exit]);
  // a report of the running copy keeps it; the next copy's end replaces it
  const again = observe({ ...restarted, generation: 1 }, report('Running', { containerId: 'c2' }), compact, NOW);
  assert.deepEqual(again?.lastExit, exit);
  const later = '2025-01-01T00:02:00.000Z';
  const second = observe(
    again ?? restarted,
    report('Completed', { exitCode: 0, reason: 'exited with code 0', finishedAt: later }),
    compact,
    later,
  );
  assert.deepEqual(second?.lastExit, { reason: 'exited with code 0', exitCode: 0, at: later });
  // a start that failed: the code of why is kept with it, through the restart, for a CLI's wait
  const refused = {
    reason: 'image nope/web is not on this host',
    exitCode: null,
    at: NOW,
    errorCode: 'image_unavailable',
  };
  const scheduled = on('t1', 'Scheduled', 'n1', 1);
  const failed = { containerId: null, startedAt: null, finishedAt: NOW, errorCode: 'image_unavailable' };
  const noImage = observe(scheduled, report('Failed', { ...failed, reason: refused.reason }), compact, NOW);
  assert.deepEqual(noImage?.lastExit, refused);
  assert.deepEqual(restart(noImage ?? scheduled, 'n1', 'w1', NOW).lastExit, refused);
  // refused by its worker: the reason given is the exit
  assert.deepEqual(fail(on('t1', 'Scheduled', 'n1'), 'no such image', NOW).lastExit, {
    reason: 'no such image',
    exitCode: null,
    at: NOW,
  });
});

test('a lost task waits on no node, without its container and ports', () => {
  const lost = lose(
    on('t1', 'Running', 'n1', 1, { containerId: 'c', ports: [{ container: 80, host: 8080, protocol: 'tcp' }] }),
    'gone',
    NOW,
  );
  assert.deepEqual(
    [lost.state, lost.nodeId, lost.containerId, lost.ports, lost.reason],
    ['Pending', null, null, [], 'gone'],
  );
  assert.equal(lost.generation, 1); // the next placement raises it
});

test('a stop request moves desired state forward and drops a planned restart from the reason', () => {
  const waiting = on('t1', 'Failed', 'n1', 1, { restartAt: 10, reason: 'exited with code 1; restarting in 1.0s' });
  const stopped = requestStop(frozen(waiting), NOW);
  assert.deepEqual([stopped.desired, stopped.restartAt], ['stopped', null]);
  assert.equal(stopped.reason, 'exited with code 1', 'an ended task keeps why it ended: the stop did not end it');
  const done = on('t1', 'Completed', 'n1', 1, { reason: 'exited with code 0' });
  assert.equal(requestStop(frozen(done), NOW).reason, 'exited with code 0');
  assert.equal(requestStop(frozen(done), NOW, 'scaled down to 1').reason, 'exited with code 0');
  const running = on('t1', 'Running', 'n1', 1, { reason: 'running' });
  assert.equal(requestStop(running, NOW).reason, 'stopping on request');
  assert.equal(requestStop(running, NOW, 'scaled down to 1').reason, 'stopping: scaled down to 1');
});

test("a task a service stops says why while it stops, and why it stopped once ended, not the worker's words", () => {
  const compact = new Compactor();
  const running = on('t1', 'Running', 'n1', 1, { containerId: 'c1', reason: 'running' });
  const stopping = frozen(requestStop(running, NOW, 'replaced by version 3'));
  // a report while it stops (its health, say) keeps the reason, and is nothing new when only that differs
  assert.equal(observe(stopping, report('Running', { reason: 'running' }), compact, NOW), null);
  const unhealthy = observe(stopping, report('Running', { health: UNHEALTHY }), compact, NOW);
  assert.equal(unhealthy?.reason, 'stopping: replaced by version 3');
  const ended = observe(stopping, report('Completed', { reason: 'stopped on request', exitCode: 0 }), compact, NOW);
  assert.deepEqual([ended?.state, ended?.reason], ['Completed', 'replaced by version 3']);
  // exited by itself meanwhile: what the worker saw is the reason
  const crashed = observe(stopping, report('Failed', { exitCode: 1 }), compact, NOW);
  assert.equal(crashed?.reason, 'exited with code 1');
  // ended by the manager itself (never placed, its node gone): the same reason
  assert.equal(finishStopped(stopping, NOW).reason, 'replaced by version 3');
  // a user's stop: "stopped on request", as the worker says
  const byUser = frozen(requestStop(running, NOW));
  assert.equal(
    observe(byUser, report('Completed', { reason: 'stopped on request' }), compact, NOW)?.reason,
    'stopped on request',
  );
  assert.equal(finishStopped(byUser, NOW).reason, 'stopped on request');
});

test('observe applies a report from the owner, and says null when it brings nothing new', () => {
  const compact = new Compactor();
  const scheduled = frozen(on('t1', 'Scheduled', 'n1'));
  const running = observe(scheduled, report('Running'), compact, NOW);
  assert.ok(running !== null);
  assert.deepEqual([running.state, running.containerId, running.reason], ['Running', 'c1', 'running']);
  assert.equal(observe(frozen(running), report('Running'), compact, NOW), null);
  const withPort = observe(
    running,
    report('Running', { ports: [{ container: 80, host: 32768, protocol: 'tcp' }] }),
    compact,
    NOW,
  );
  assert.equal(withPort?.ports[0]?.host, 32768);
  const failed = frozen(on('t1', 'Failed', 'n1'));
  assert.equal(observe(failed, report('Failed'), compact, NOW), null); // a finished task's report repeats what is known
});

test('observe keeps the address the owner reports, changes it, and leaves it out once a report has none', () => {
  const compact = new Compactor();
  const scheduled = frozen(on('t1', 'Scheduled', 'n1'));
  const running = observe(scheduled, report('Running', { address: '10.88.0.2' }), compact, NOW);
  assert.ok(running !== null);
  assert.equal(running.address, '10.88.0.2');
  assert.equal(Object.hasOwn(scheduled, 'address'), false); // the record given is left as it was
  const { address: _first, ...rest } = running;
  assert.deepEqual(rest, {
    ...scheduled,
    state: 'Running',
    containerId: 'c1',
    reason: 'running',
    startedAt: T0,
    updatedAt: NOW,
  });
  const moved = observe(frozen(running), report('Running', { address: '10.88.0.3' }), compact, NOW);
  assert.equal(moved?.address, '10.88.0.3');
  const stopped = observe(frozen(running), report('Completed', { exitCode: 0, address: undefined }), compact, NOW);
  assert.ok(stopped !== null);
  assert.equal(Object.hasOwn(stopped, 'address'), false);
  assert.equal(stopped.state, 'Completed');
  assert.equal(running.address, '10.88.0.2');
});

test('observe refuses a change the state machine does not allow, with a typed error', () => {
  const compact = new Compactor();
  assert.throws(() => observe(frozen(on('t1', 'Completed', 'n1')), report('Running'), compact, NOW), InvalidTransition);
  assert.throws(() => observe(frozen(taskRecord('t1')), report('Running'), compact, NOW), InvalidTransition);
});

test('a report never moves a copy back: Scheduled after Running is a report overtaken on its way', () => {
  const compact = new Compactor();
  // the worker's answer to the dispatch (Scheduled, "starting") can arrive after its push of Running
  const running = frozen(on('t1', 'Running', 'n1', 1, { containerId: 'c1' }));
  assert.throws(() => observe(running, report('Scheduled', { reason: 'starting' }), compact, NOW), InvalidTransition);
  const scheduled = frozen(on('t1', 'Scheduled', 'n1', 1));
  const answer = report('Scheduled', { reason: 'starting', containerId: null });
  assert.equal(observe(scheduled, answer, compact, NOW), null, 'the answer to a dispatch says nothing new');
});

test('a task holds resources on its node only while Scheduled or Running', () => {
  for (const s of ALL) {
    const expected = s === 'Scheduled' || s === 'Running' ? 'n1' : null;
    assert.equal(chargedNode(on('t1', s, 'n1')), expected, s);
  }
});
