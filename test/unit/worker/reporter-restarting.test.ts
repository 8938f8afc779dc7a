import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  digestOf,
  HeartbeatRequest as HeartbeatSchema,
  type HeartbeatReply,
  type HeartbeatRequest,
} from '../../../src/api/index.js';
import { compile } from '../../../src/task/index.js';
import { RemoteError } from '../../../src/errors/index.js';
import { reporterDeps } from '../../helpers/reporter-deps.js';
import { ManagerReporter, type ReporterManager } from '../../../src/worker/reporter.js';

// A worker stopped on purpose leaves its tasks running; its last act is a beat that says it is
// restarting, so the manager holds its node instead of placing its tasks elsewhere.

/** A manager that records beats; `onBeat` may refuse one or never answer. */
function managerWith(onBeat: (body: HeartbeatRequest) => Promise<HeartbeatReply>): {
  manager: ReporterManager;
  beats: HeartbeatRequest[];
} {
  const beats: HeartbeatRequest[] = [];
  const manager: ReporterManager = {
    baseUrl: 'http://127.0.0.1:1',
    register: async () => ({ nextBeatInMs: 1 }),
    heartbeat: async (_nodeId, body) => {
      beats.push(body);
      return onBeat(body);
    },
    report: async () => undefined,
  };
  return { manager, beats };
}

function reporterFor(manager: ReporterManager): ManagerReporter {
  const worker = {
    onChange: () => () => undefined,
    list: () => [],
    engineStatus: () => ({ available: true, since: '2025-01-01T00:00:00.000Z', reason: '' }),
    activeDigest: () => digestOf([]),
  };
  return new ManagerReporter({ ...reporterDeps(manager, worker), restartingWaitMs: 50 });
}

/** Starts the reporter and waits for its first plain beat (it has registered by then). */
async function running(beats: HeartbeatRequest[], reporter: ManagerReporter): Promise<void> {
  reporter.start();
  while (beats.length === 0) await sleep(1);
}

test('a reporter stopped as the worker restarts sends a last beat that says so, valid by the schema', async () => {
  const { manager, beats } = managerWith(async () => ({ nextBeatInMs: 1_000 }));
  const reporter = reporterFor(manager);
  await running(beats, reporter);
  await reporter.stop({ restarting: true });
  const last = beats.at(-1);
  assert.equal(last?.restarting, true);
  compile(HeartbeatSchema).parse(last); // throws naming a field the manager would refuse
  assert.equal(
    beats.slice(0, -1).some((b) => b.restarting !== undefined),
    false,
    'only the last beat says so',
  );
});

test('a reporter stopped otherwise says nothing more', async () => {
  const { manager, beats } = managerWith(async () => ({ nextBeatInMs: 1_000 }));
  const reporter = reporterFor(manager);
  await running(beats, reporter);
  const before = beats.length;
  await reporter.stop();
  assert.equal(beats.length, before);
});

test('an older manager that refuses the field: the stop ends, nothing sent again', async () => {
  const { manager, beats } = managerWith(async (body) => {
    if (body.restarting === true)
      throw new RemoteError('invalid_request', 400, 'body must NOT have additional properties');
    return { nextBeatInMs: 1_000 };
  });
  const reporter = reporterFor(manager);
  await running(beats, reporter);
  await reporter.stop({ restarting: true });
  assert.equal(beats.filter((b) => b.restarting === true).length, 1);
});

test('a manager that never answers the last beat does not hold the stop up', async () => {
  const { manager, beats } = managerWith((body) =>
    body.restarting === true ? new Promise<HeartbeatReply>(() => undefined) : Promise.resolve({ nextBeatInMs: 1_000 }),
  );
  const reporter = reporterFor(manager);
  await running(beats, reporter);
  await reporter.stop({ restarting: true }); // resolves: the wait is bounded (restartingWaitMs)
  assert.equal(beats.at(-1)?.restarting, true);
});
