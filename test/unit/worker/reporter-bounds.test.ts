import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  digestOf,
  REPORT_SLACK,
  type EngineStatus,
  type HeartbeatReply,
  type HeartbeatRequest,
  type RegisterRequest,
  type TaskReport,
  type WorkerTaskView,
} from '../../../src/api/index.js';
import { InvalidField } from '../../../src/errors/index.js';
import { reporterDeps } from '../../helpers/reporter-deps.js';
import { ManagerReporter, type ReportedWorker, type ReporterManager } from '../../../src/worker/reporter.js';
import { waitFor } from '../../integration/helpers/wait-for.js';
import { workerTaskView } from '../../helpers/worker-task-view.js';

// The manager takes at most (tasks it placed on the node) + REPORT_SLACK entries in a report or
// heartbeat. A worker keeps within that whatever it holds: reports go in chunks of REPORT_SLACK,
// and a beat refused for its list sends the list as reports instead, so the node stays Up.

class Tasks implements ReportedWorker {
  readonly #listeners = new Set<(t: WorkerTaskView) => void>();
  constructor(readonly tasks: WorkerTaskView[]) {}
  onChange(fn: (t: WorkerTaskView) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
  emitAll(): void {
    for (const t of this.tasks) for (const fn of this.#listeners) fn(t);
  }
  list(): WorkerTaskView[] {
    return this.tasks;
  }
  engineStatus(): EngineStatus {
    return { available: true, since: '2025-01-01T00:00:00.000Z', reason: '' };
  }
  activeDigest() {
    return digestOf(this.tasks.map((t) => ({ taskId: t.id, generation: t.generation })));
  }
}

/** The manager's side, not under test: it refuses any list longer than `max`, as the real one does. */
class BoundedManager implements ReporterManager {
  readonly baseUrl = 'http://127.0.0.1:1';
  readonly reports: number[] = [];
  readonly reported = new Set<string>();
  readonly beats: HeartbeatRequest[] = [];
  constructor(
    private readonly max: number,
    private readonly replies: HeartbeatReply[] = [],
  ) {}
  async register(_body: RegisterRequest): Promise<HeartbeatReply> {
    return { nextBeatInMs: 1 };
  }
  async heartbeat(_nodeId: string, body: HeartbeatRequest): Promise<HeartbeatReply> {
    this.beats.push(body);
    if (body.tasks.length > this.max) throw new InvalidField('tasks', `has ${body.tasks.length} entries`);
    return this.replies.shift() ?? { nextBeatInMs: 1 };
  }
  async report(_nodeId: string, tasks: readonly TaskReport[]): Promise<void> {
    if (tasks.length > this.max) throw new InvalidField('tasks', `has ${tasks.length} entries`);
    this.reports.push(tasks.length);
    for (const t of tasks) this.reported.add(t.taskId);
  }
}

function reporter(manager: BoundedManager, worker: Tasks): ManagerReporter {
  return new ManagerReporter(reporterDeps(manager, worker));
}

const running = (n: number): WorkerTaskView[] =>
  Array.from({ length: n }, (_, i) => workerTaskView(`t${i}`, { state: 'Running', generation: 1 }));

test(`a burst of changes goes in reports of at most ${REPORT_SLACK} entries, and all of them arrive`, async () => {
  const worker = new Tasks(running(1000));
  const manager = new BoundedManager(REPORT_SLACK);
  const r = reporter(manager, worker);
  r.start();
  try {
    await waitFor(() => manager.beats.length > 0, { what: 'registered' });
    worker.emitAll();
    await waitFor(() => manager.reported.size === 1000, { what: 'every change reported' });
    assert.ok(
      manager.reports.every((n) => n <= REPORT_SLACK),
      manager.reports.join(', '),
    );
  } finally {
    await r.stop();
  }
});

test('a beat refused for its task list sends the list as reports, and beats on without it', async () => {
  const worker = new Tasks(running(600)); // more than the manager owns here: stale copies, say
  const manager = new BoundedManager(REPORT_SLACK, [{ nextBeatInMs: 1, resync: true }]);
  const r = reporter(manager, worker);
  r.start();
  try {
    await waitFor(() => manager.reported.size === 600, { what: 'the list delivered as reports' });
    const refused = manager.beats.findIndex((b) => b.tasks.length > REPORT_SLACK);
    assert.ok(refused >= 0, 'the list was first sent with a beat');
    while (manager.beats.length < refused + 3) await sleep(1);
    assert.ok(
      manager.beats.slice(refused + 1).every((b) => b.tasks.length === 0),
      'later beats carry no list',
    );
  } finally {
    await r.stop();
  }
});
