import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServiceTaskView, ServiceView } from '../../../src/api/index.js';
import { serviceTaskTable } from '../../../src/cli/service-format.js';
import { ReplicasGivingUp } from '../../../src/cli/replica-give-up.js';
import { serviceTaskView } from '../../helpers/manager-task-view.js';
import {
  progressLine,
  ReplicaImageUnavailable,
  ReplicaUnplaceable,
  ServiceWaitTimedOut,
  Tracker,
  waitForJob,
  waitForReplicas,
  type WaitClient,
} from '../../../src/cli/service-wait.js';

// What `poseidon service create|scale --wait` prints while it waits, and what it says when it
// gives up. The manager is not under test: a fake answers its two reads.

const NOW = '2026-12-03T00:00:00.000Z';

const replica = serviceTaskView;

function service(replicas: number, healthy: number): ServiceView {
  return {
    name: 'web',
    version: 1,
    spec: {} as ServiceView['spec'],
    mode: 'replicated',
    replicas,
    healthy,
    running: replicas,
    image: 'poseidon/busybox:latest',
    update: null,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

/** A manager that answers the same service and tasks every time. */
function manager(s: ServiceView, tasks: ServiceTaskView[]): WaitClient {
  return { getService: async () => s, serviceTasks: async () => tasks };
}

/** A manager of a service of 2 replicas that answers one look after another; the last one again after that. */
function looks(...all: Array<[healthy: number, ServiceTaskView[]]>): WaitClient & { looked: () => number } {
  let i = 0;
  const look = (): [number, ServiceTaskView[]] => all[Math.min(i, all.length - 1)] as [number, ServiceTaskView[]];
  return {
    getService: async () => service(2, look()[0]),
    serviceTasks: async () => {
      const tasks = look()[1];
      i += 1;
      return tasks;
    },
    looked: () => i,
  };
}

const failing = (slot: number, failures: number, restarts = 0): ServiceTaskView =>
  replica(slot, {
    health: { status: 'starting', failures, lastOutput: 'HTTP 404', lastCheckedAt: NOW },
    restarts,
  });

describe('service --wait progress', () => {
  test('a replica whose checks fail says how often and what they answered, and how often it restarted', () => {
    assert.equal(
      progressLine(failing(1, 2, 1)),
      'web-1 (slot 1, version 1): Running (starting): check failed 2 times (HTTP 404) on n1, restarted once',
    );
  });

  test('a failed or waiting replica says why; a healthy one says no more than its state', () => {
    const failed = replica(2, {
      state: 'Failed',
      reason: 'unhealthy: 3 consecutive failed http checks (last: HTTP 404)',
      restarts: 3,
    });
    assert.equal(
      progressLine(failed),
      'web-2 (slot 2, version 1): Failed: unhealthy: 3 consecutive failed http checks (last: HTTP 404) on n1, restarted 3 times',
    );
    const pending = replica(3, { state: 'Pending', node: null, reason: 'no node meets node.labels.zone == c' });
    assert.equal(progressLine(pending), 'web-3 (slot 3, version 1): Pending: no node meets node.labels.zone == c');
    assert.equal(progressLine(replica(1)), 'web-1 (slot 1, version 1): Running (healthy) on n1');
  });

  test("a replica running the host's copy of an image whose pull failed says so", () => {
    const why = 'running the copy of app:1 on this host, since its pull failed: no such host; check that n1 reaches…';
    assert.equal(
      progressLine(replica(1, { reason: why })),
      `web-1 (slot 1, version 1): Running (healthy): ${why} on n1`,
    );
  });

  test('service ps gives a failing check as the reason of a running replica', () => {
    const rows = serviceTaskTable([replica(1), failing(2, 2)]).split('\n');
    assert.match(rows[1] ?? '', /Running \(healthy\) +n1 +running$/);
    assert.match(rows[2] ?? '', /Running \(starting\) +n1 +check failed 2 times \(HTTP 404\)$/);
  });

  test("service ps shows each slot's ended tasks under its live one, the last to end first; whole ids with --no-trunc", () => {
    const ended = (id: string, slot: number, finishedAt: string, reason: string) => ({
      id,
      slot,
      version: 1,
      state: 'Failed' as const,
      node: 'n1',
      reason,
      finishedAt,
    });
    const live = [replica(1), replica(2)];
    const history = [
      ended('aaaaaaaa-0000-4000-8000-000000000001', 1, '2026-12-03T00:00:01.000Z', 'exited with code 1'),
      ended('bbbbbbbb-0000-4000-8000-000000000002', 1, '2026-12-03T00:00:02.000Z', 'unhealthy'),
      ended('cccccccc-0000-4000-8000-000000000003', 3, '2026-12-03T00:00:03.000Z', 'scaled down'),
      { ...ended(live[0]?.id ?? '', 1, NOW, 'running'), state: 'Running' as const }, // live: listed once
    ];
    const rows = serviceTaskTable(live, history).split('\n');
    assert.equal(rows.length, 6);
    assert.match(rows[1] ?? '', /^1 +task-1 +1 +Running \(healthy\)/);
    assert.match(rows[2] ?? '', /^1 +\\_ bbbbbbbb +1 +Failed +n1 +unhealthy$/);
    assert.match(rows[3] ?? '', /^1 +\\_ aaaaaaaa +1 +Failed +n1 +exited with code 1$/);
    assert.match(rows[4] ?? '', /^2 +task-2 +1 +Running/);
    assert.match(rows[5] ?? '', /^3 +\\_ cccccccc +1 +Failed +n1 +scaled down$/);
    // --no-trunc: whole ids, the live ones' and the ended ones'
    const whole = serviceTaskTable([{ ...replica(1), id: 'dddddddd-0000-4000-8000-000000000004' }], history, true);
    assert.match(whole, /^1 +dddddddd-0000-4000-8000-000000000004 +1 +Running/m);
    assert.match(whole, /^1 +\\_ aaaaaaaa-0000-4000-8000-000000000001 +1 +Failed/m);
  });

  test('a wait that gives up names the last trouble it saw, not only the count', async () => {
    const lines: string[] = [];
    await assert.rejects(
      waitForReplicas(manager(service(2, 1), [replica(1), failing(2, 3)]), 'web', -1, (l) => lines.push(l)),
      (err: unknown) => {
        assert.ok(err instanceof ServiceWaitTimedOut);
        assert.match(
          err.message,
          /^service web: 1\/2 healthy after 0s; last trouble: web-2: check failed 3 times \(HTTP 404\) \(it goes on: /,
        );
        return true;
      },
    );
    assert.deepEqual(lines, [
      'web-1 (slot 1, version 1): Running (healthy) on n1',
      'web-2 (slot 2, version 1): Running (starting): check failed 3 times (HTTP 404) on n1',
    ]);
  });

  test('why a replica waited is no trouble once it is placed; a failure stays the last trouble', () => {
    const tracker = new Tracker(() => {});
    const waiting = replica(1, { state: 'Pending', node: null, reason: 'waiting to be scheduled' });
    tracker.show([waiting]);
    assert.equal(tracker.trouble, 'web-1: Pending (waiting to be scheduled)');
    // placed, starting (its checks in their start period): a timeout now names no stale Pending
    const starting = { status: 'starting' as const, failures: 0, lastOutput: '', lastCheckedAt: null };
    tracker.show([{ ...waiting, state: 'Running', node: 'n1', reason: '', health: starting }]);
    assert.equal(tracker.trouble, undefined);
    tracker.show([failing(1, 3)]);
    tracker.show([replica(1, { health: starting })]);
    assert.equal(tracker.trouble, 'web-1: check failed 3 times (HTTP 404)');
  });

  test('a wait with nothing wrong gives up on the count alone, saying the service goes on; one that ends well says so', async () => {
    const starting = replica(1, { health: { status: 'starting', failures: 0, lastOutput: '', lastCheckedAt: null } });
    await assert.rejects(
      waitForReplicas(manager(service(1, 0), [starting]), 'web', -1, () => {}),
      {
        message:
          'service web: 0/1 healthy after 0s (it goes on: poseidon service ps web follows it; --timeout waits longer)',
      },
    );
    const lines: string[] = [];
    assert.equal(
      await waitForReplicas(manager(service(1, 1), [replica(1)]), 'web', 60_000, (l) => lines.push(l)),
      true,
    );
    assert.equal(lines.at(-1), 'service web: 1/1 replicas healthy');
  });

  test('a replica whose node cannot have its image ends the wait at once: why, once, and what to do', async () => {
    const why = 'image nope/web is not on this host and could not be pulled: pull access denied for nope/web';
    const noImage = replica(2, {
      image: 'nope/web',
      state: 'Scheduled',
      containerId: null,
      startedAt: null,
      restarts: 1,
      reason: 'restarting (generation 2)',
      lastExit: { reason: why, exitCode: null, at: NOW, errorCode: 'image_unavailable' },
    });
    // the first look sees it starting, the second after its first start failed
    const looks = [
      [replica(1), { ...noImage, restarts: 0, lastExit: null }],
      [replica(1), noImage],
    ];
    const client: WaitClient = {
      getService: async () => service(2, 1),
      serviceTasks: async () => looks.shift() ?? [replica(1), noImage],
    };
    const lines: string[] = [];
    // a timeout of a minute: it ends on the look that sees the failure, not when the minute is up
    await assert.rejects(
      waitForReplicas(client, 'web', 60_000, (l) => lines.push(l)),
      (err: unknown) => {
        assert.ok(err instanceof ReplicaImageUnavailable);
        assert.equal(
          err.message,
          `service web: web-2 cannot start: ${why}; check the image name nope/web, build or load it on n1 ` +
            '(docker build or docker load there), or check that n1 reaches its registry (it is tried again as ' +
            'its restart policy says: poseidon service ps web)',
        );
        return true;
      },
    );
    // the reason is said once, in the error: no progress line repeats it
    assert.deepEqual(lines, [
      'web-1 (slot 1, version 1): Running (healthy) on n1',
      'web-2 (slot 2, version 1): Scheduled on n1',
    ]);
    // any other failure to start, and a replica of another version or being stopped, is waited out as before
    const other = { ...noImage, lastExit: { reason: 'no such host path', exitCode: null, at: NOW, errorCode: 'x' } };
    for (const t of [other, { ...noImage, version: 2 }, { ...noImage, desiredState: 'stopped' as const }])
      await assert.rejects(
        waitForReplicas(manager(service(2, 1), [replica(1), t]), 'web', -1, () => {}),
        {
          name: 'ServiceWaitTimedOut',
        },
      );
  });

  test('a replica no node could ever hold ends the wait at once: why, what to do, and that it stays', async () => {
    const reason =
      '0/2 nodes could ever hold it: 2 nodes have less than 500 GiB memory in all (the biggest, n1, has 24 GiB)';
    const huge = replica(2, {
      state: 'Pending',
      node: null,
      nodeId: null,
      containerId: null,
      reason: '0/2 nodes can run web-2: 2 not enough free memory (needs 500 GiB; most free 24 GiB on n1)',
      unplaceable: { reason, cause: 'memory' },
    });
    const lines: string[] = [];
    await assert.rejects(
      waitForReplicas(manager(service(2, 1), [replica(1), huge]), 'web', 60_000, (l) => lines.push(l)),
      (err: unknown) => {
        assert.ok(err instanceof ReplicaUnplaceable);
        assert.equal(err.code, 'unplaceable');
        assert.equal(
          err.message,
          `service web: web-2 cannot be placed: ${reason}; lower --memory, or add a node that has that much ` +
            '(it stays Pending: poseidon service ps web)',
        );
        return true;
      },
    );
    assert.deepEqual(lines, [], 'said once, in the error');
    const constrained = { ...huge, unplaceable: { reason: '0/2 nodes could ever hold it: ...', cause: 'constraints' } };
    await assert.rejects(
      waitForJob(manager(service(2, 1), [constrained]), 'web', 60_000, () => {}),
      {
        name: 'ReplicaUnplaceable',
        message:
          /cannot be placed: 0\/2 nodes could ever hold it: \.\.\.; give a node the label it asks for \(poseidon node update --label-add KEY=VALUE NODE; poseidon node ls shows each node's labels\), or change --constraint \(it stays Pending/,
      },
    );
    // one that waits for room now, one of another version, one being stopped: waited for until the timeout, as before
    const { unplaceable: _, ...waitingForRoom } = huge;
    for (const t of [waitingForRoom, { ...huge, version: 2 }, { ...huge, desiredState: 'stopped' as const }])
      await assert.rejects(
        waitForReplicas(manager(service(2, 1), [replica(1), t]), 'web', -1, () => {}),
        {
          name: 'ServiceWaitTimedOut',
        },
      );
  });

  test('an image failure from before the wait ends it only once its replica fails so again, or will not be tried again', async () => {
    // a wait that starts just after someone loaded the image: the replica's failure is an old one
    const at = (s: number): string => `2026-12-03T00:00:0${s}.000Z`;
    const lastExit = (s: number): ServiceTaskView['lastExit'] => ({
      reason: 'image nope/web is not on this host and could not be pulled',
      exitCode: null,
      at: at(s),
      errorCode: 'image_unavailable',
    });
    const waiting = (s: number): ServiceTaskView =>
      replica(2, { state: 'Failed', reason: 'restart waiting', restartAt: at(s + 1), lastExit: lastExit(s) });
    const restarting = replica(2, { state: 'Scheduled', reason: 'restarting', lastExit: lastExit(1) });
    /** One look after another; the last one again after that. */
    const looks = (...all: Array<[healthy: number, ServiceTaskView]>): WaitClient => {
      let i = 0; // each look asks for the service first, then its tasks
      const look = (): [number, ServiceTaskView] => all[Math.min(i, all.length - 1)] as [number, ServiceTaskView];
      return {
        getService: async () => service(2, look()[0]),
        serviceTasks: async () => {
          const tasks = [replica(1), look()[1]];
          i += 1;
          return tasks;
        },
      };
    };
    // the image there now: its restart starts it, and the wait ends well
    const loaded = looks([1, waiting(1)], [1, restarting], [2, replica(2, { lastExit: lastExit(1) })]);
    assert.equal(await waitForReplicas(loaded, 'web', 60_000, () => {}), true);
    // still missing: the next try fails so too, and that ends the wait
    const missing = looks([1, waiting(1)], [1, restarting], [1, waiting(3)]);
    await assert.rejects(
      waitForReplicas(missing, 'web', 60_000, () => {}),
      { name: 'ReplicaImageUnavailable' },
    );
    // a replica its policy will not start again: nothing to wait for, the wait ends at once
    const givenUp = { ...waiting(1), restartAt: null, reason: 'gave up after 3 restarts' };
    await assert.rejects(
      waitForReplicas(looks([1, givenUp]), 'web', -1, () => {}),
      {
        name: 'ReplicaImageUnavailable',
      },
    );
  });

  test('every slot given up on by its restart policy, none healthy: the wait ends at once, saying so', async () => {
    const why = 'unhealthy: 3 consecutive failed exec checks (last: HTTP 404); gave up after 3 restarts';
    const gone = (slot: number, over: Partial<ServiceTaskView> = {}): ServiceTaskView =>
      replica(slot, {
        id: `task-${slot}-old`,
        state: 'Failed',
        reason: why,
        restarts: 3,
        health: { status: 'unhealthy', failures: 3, lastOutput: 'HTTP 404', lastCheckedAt: NOW },
        ...over,
      });
    const again = (slot: number): ServiceTaskView => failing(slot, 1);
    // slot 1 gives up, is replaced; then slot 2 gives up: both have, none was healthy: over
    const crashing = looks(
      [0, [gone(1), again(2)]],
      [0, [gone(1, { desiredState: 'stopped' }), again(1), again(2)]],
      [0, [again(1), gone(2)]],
    );
    await assert.rejects(
      waitForReplicas(crashing, 'web', 60_000, () => {}),
      (err: unknown) => {
        assert.ok(err instanceof ReplicasGivingUp);
        assert.equal(
          err.message,
          'service web: no replica became healthy: each of its 2 replicas failed until its restart policy gave up; ' +
            `the last, web-2 on n1: ${why} (the service keeps replacing them: poseidon service ps web, ` +
            'poseidon service logs web; change it with poseidon service update web)',
        );
        return true;
      },
    );
    // one slot alone gave up: the wait goes on (to its timeout here)
    await assert.rejects(
      waitForReplicas(looks([0, [gone(1), again(2)]]), 'web', -1, () => {}),
      { name: 'ServiceWaitTimedOut' },
    );
    // every slot gave up once, but a replica is healthy now: a slot that failed may do well elsewhere
    const healthyNow = replica(2, { id: 'task-2-new' });
    await assert.rejects(
      waitForReplicas(looks([1, [gone(1), gone(2), again(1), healthyNow]]), 'web', -1, () => {}),
      { name: 'ServiceWaitTimedOut' },
    );
    // a replacement that runs for a moment between crashes (healthy without a check) delays the end only
    const between = looks([0, [gone(1), again(2)]], [1, [again(1), gone(2), healthyNow]], [0, [again(1), gone(2)]]);
    await assert.rejects(
      waitForReplicas(between, 'web', 60_000, () => {}),
      { name: 'ReplicasGivingUp' },
    );
    // a replica that failed and will restart (restartAt set), or one of another version: not given up
    const restarting = gone(2, { restartAt: NOW });
    await assert.rejects(
      waitForReplicas(looks([0, [gone(1), restarting]]), 'web', -1, () => {}),
      { name: 'ServiceWaitTimedOut' },
    );
    await assert.rejects(
      waitForReplicas(looks([0, [gone(1), gone(2, { version: 2 }), again(2)]]), 'web', -1, () => {}),
      { name: 'ServiceWaitTimedOut' },
    );
  });

  test('replicas without a check, all Running at one look: over only once the next finds them so, none restarted', async () => {
    const bare = (slot: number, restarts = 0): ServiceTaskView =>
      replica(slot, { health: { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null }, restarts });
    // sh -c 'exit 1' runs a few ms (docker-init is PID 1): a look may find both Running, and say healthy
    await assert.rejects(
      waitForReplicas(looks([2, [bare(1), bare(2)]], [0, [bare(1, 1), bare(2, 1)]]), 'web', -1, () => {}),
      { name: 'ServiceWaitTimedOut', message: /^service web: 2\/2 healthy after 0s \(it goes on: / },
    );
    // slot 1 restarted between two looks that each found both Running: a third look is needed
    const restarted = looks([2, [bare(1), bare(2)]], [2, [bare(1, 1), bare(2)]]);
    const lines: string[] = [];
    assert.equal(await waitForReplicas(restarted, 'web', 60_000, (l) => lines.push(l)), true);
    assert.equal(restarted.looked(), 3);
    assert.equal(lines.at(-1), 'service web: 2/2 replicas healthy');
    assert.equal(lines.filter((l) => l.endsWith('healthy')).length, 1, lines.join('\n'));
    // a check that passed needs no second look
    const checked = looks([2, [replica(1), replica(2)]]);
    assert.equal(await waitForReplicas(checked, 'web', 60_000, () => {}), true);
    assert.equal(checked.looked(), 1);
  });

  test('a scale down is waited for until the replicas it stops have ended', async () => {
    const stopping = replica(3, { desiredState: 'stopped', reason: 'scaled down to 2' });
    await assert.rejects(
      waitForReplicas(manager(service(2, 2), [replica(1), replica(2), stopping]), 'web', -1, () => {}),
      /service web: 2\/2 healthy, 1 still stopping after 0s \(it goes on: poseidon service ps web follows it; /,
    );
    const ended = { ...stopping, state: 'Completed' as const, reason: 'stopped on request' };
    assert.equal(
      await waitForReplicas(manager(service(2, 2), [replica(1), replica(2), ended]), 'web', 60_000, () => {}),
      true,
    );
  });

  test("a scale down's first look, before the manager told the replicas to stop, does not end the wait", async () => {
    // deploy --wait of replicas: 0 ended at once, the two replicas still running
    const looks = [
      [replica(1), replica(2)],
      [replica(1, { desiredState: 'stopped', reason: 'scaled down to 0' }), replica(2)],
      [],
    ];
    const client: WaitClient = {
      getService: async () => service(0, 0),
      serviceTasks: async () => looks.shift() ?? [],
    };
    const lines: string[] = [];
    assert.equal(await waitForReplicas(client, 'web', 60_000, (l) => lines.push(l)), true);
    assert.equal(looks.length, 0, 'looked until the replicas had ended');
    assert.equal(lines.at(-1), 'service web: 0/0 replicas healthy');
    await assert.rejects(
      waitForReplicas(manager(service(0, 0), [replica(1), replica(2)]), 'web', -1, () => {}),
      /service web: 0\/0 healthy, 2 still stopping after 0s/,
    );
  });

  test('a replica a scale down stopped is said to have ended once it leaves the task list', async () => {
    const stopping = replica(3, { desiredState: 'stopped', reason: 'scaled down to 2', node: 'n2' });
    const looks = [
      [replica(1), replica(2), stopping],
      [replica(1), replica(2)],
    ];
    const client: WaitClient = {
      getService: async () => service(2, 2),
      serviceTasks: async () => looks.shift() ?? [replica(1), replica(2)],
    };
    const lines: string[] = [];
    assert.equal(await waitForReplicas(client, 'web', 60_000, (l) => lines.push(l)), true);
    assert.deepEqual(lines.slice(2), [
      'web-3 (slot 3, version 1): Running (stopping) on n2',
      'web-3 (slot 3, version 1): ended on n2',
      'service web: 2/2 replicas healthy',
    ]);
  });

  test("a job's wait: each task's progress until the run ends; complete is true, failed false, and a timeout says how far", async () => {
    const job = (state: 'running' | 'complete' | 'failed', completed: number, failed = 0): ServiceView => ({
      ...service(3, 0),
      mode: 'replicated-job',
      running: state === 'running' ? 1 : 0,
      job: { state, completed, failed, total: 3, finishedAt: state === 'running' ? null : NOW },
    });
    const done = (slot: number): ServiceTaskView =>
      replica(slot, {
        state: 'Completed',
        reason: 'exited with code 0',
        exitCode: 0,
        health: { status: 'none', failures: 0, lastOutput: '', lastCheckedAt: null },
      });
    const lines: string[] = [];
    assert.equal(
      await waitForJob(manager(job('complete', 3), [done(1), done(2), done(3)]), 'web', 60_000, (l) => lines.push(l)),
      true,
    );
    assert.deepEqual(lines, [
      'web-1 (slot 1, version 1): Completed: exited with code 0 on n1',
      'web-2 (slot 2, version 1): Completed: exited with code 0 on n1',
      'web-3 (slot 3, version 1): Completed: exited with code 0 on n1',
      'service web: job complete, 3/3 completed',
    ]);
    const exited = replica(3, { state: 'Failed', reason: 'exited with code 1', restarts: 3 });
    lines.length = 0;
    assert.equal(await waitForJob(manager(job('failed', 2, 1), [exited]), 'web', 60_000, (l) => lines.push(l)), false);
    assert.equal(lines.at(-1), 'service web: job failed, 2/3 completed, 1 failed');
    await assert.rejects(
      waitForJob(manager(job('running', 1, 1), [exited]), 'web', -1, () => {}),
      {
        code: 'wait_timed_out',
        message:
          /^service web: job still running, 1\/3 completed, 1 failed after 0s; last trouble: web-3: Failed \(exited with code 1\) \(it goes on: /,
      },
    );
    // a service that is no job (a manager before jobs): nothing to wait for
    assert.equal(await waitForJob(manager(service(1, 1), []), 'web', 60_000, () => {}), true);
  });
});
