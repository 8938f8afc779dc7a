import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import {
  digestOf,
  HeartbeatRequest as HeartbeatSchema,
  RegisterRequest as RegisterSchema,
  type EngineStatus,
  type HeartbeatReply,
  type HeartbeatRequest,
  type RegisterRequest,
  type TaskReport,
  type WorkerTaskView,
} from '../../../src/api/index.js';
import type { HostSnapshot } from '../../../src/stats/index.js';
import { HOST_SNAPSHOT } from '../../helpers/reporter-deps.js';
import { RemoteError } from '../../../src/errors/index.js';
import { compile, SPEC_FIELDS } from '../../../src/task/index.js';
import { POSEIDON_VERSION } from '../../../src/version.js';
import { workerTaskView } from '../../helpers/worker-task-view.js';
import {
  ManagerReporter,
  type ReportedWorker,
  type ReporterDeps,
  type ReporterManager,
} from '../../../src/worker/reporter.js';
import { storeAwayLine } from '../../../src/worker/store-away.js';

const NODE_ID = '00000000-0000-4000-8000-000000000001';

function view(id: string, state: WorkerTaskView['state'], generation = 1): WorkerTaskView {
  return workerTaskView(id, { state, generation, reason: state.toLowerCase() });
}

/** The worker's side the reporter reads: a fixed set of tasks. */
class FixedWorker implements ReportedWorker {
  constructor(readonly tasks: WorkerTaskView[]) {}
  onChange(_listener: (t: WorkerTaskView) => void): () => void {
    return () => undefined;
  }
  list(): WorkerTaskView[] {
    return this.tasks;
  }
  engineStatus(): EngineStatus {
    return { available: true, since: '2025-01-01T00:00:00.000Z', reason: '' };
  }
  activeDigest() {
    return digestOf(
      this.tasks
        .filter((t) => t.state === 'Scheduled' || t.state === 'Running')
        .map((t) => ({ taskId: t.id, generation: t.generation })),
    );
  }
}

/** The manager's API as a recorder; it answers each heartbeat from `replies` (then plain beats). Not under test. */
class RecordingManager implements ReporterManager {
  readonly baseUrl = 'http://127.0.0.1:1';
  readonly registers: RegisterRequest[] = [];
  readonly beats: HeartbeatRequest[] = [];
  /** Each report request's task ids. */
  readonly reports: string[][] = [];
  constructor(readonly replies: HeartbeatReply[]) {}
  async register(body: RegisterRequest): Promise<HeartbeatReply> {
    this.registers.push(body);
    return { nextBeatInMs: 1 };
  }
  async heartbeat(_nodeId: string, body: HeartbeatRequest): Promise<HeartbeatReply> {
    this.beats.push(body);
    return this.replies.shift() ?? { nextBeatInMs: 1 };
  }
  async report(_nodeId: string, tasks: readonly TaskReport[]): Promise<void> {
    this.reports.push(tasks.map((t) => t.taskId));
  }
}

const HOST = HOST_SNAPSHOT;

/** What a test sets of the reporter's deps beyond the fixed ones. */
type Extra = Partial<
  Pick<
    ReporterDeps,
    | 'labels'
    | 'allowedHostPaths'
    | 'url'
    | 'stopGraceSeconds'
    | 'readHost'
    | 'reportGapMs'
    | 'readPortsInUse'
    | 'portsReadMs'
    | 'hostId'
    | 'onRemoved'
    | 'onRevoked'
    | 'revokedVersion'
    | 'log'
  >
>;

/** A reporter for node w1, reading the fixed host snapshot, unless `extra` says otherwise. */
function reporterFor(manager: RecordingManager, worker: ReportedWorker, extra: Extra = {}): ManagerReporter {
  return new ManagerReporter({
    manager,
    worker,
    nodeId: NODE_ID,
    name: 'w1',
    url: 'http://127.0.0.1:2',
    capacity: { cpuCores: 2, memoryBytes: 1 << 30, diskBytes: 1 << 30 },
    readHost: async () => HOST,
    log: pino({ level: 'silent' }),
    ...extra,
  });
}

async function run(manager: RecordingManager, worker: FixedWorker, beats: number, extra: Extra = {}): Promise<void> {
  const reporter = reporterFor(manager, worker, extra);
  reporter.start();
  while (manager.beats.length < beats) await sleep(1);
  await reporter.stop();
}

test('registration lists every task; heartbeats carry the digest of the active ones and no list', async () => {
  const worker = new FixedWorker([view('a', 'Running'), view('b', 'Scheduled', 3), view('c', 'Completed')]);
  const manager = new RecordingManager([]);
  await run(manager, worker, 3);
  assert.deepEqual(
    manager.registers[0]?.tasks.map((t) => t.taskId),
    ['a', 'b', 'c'],
  );
  for (const beat of manager.beats) {
    assert.deepEqual(beat.tasks, []);
    assert.deepEqual(
      beat.digest,
      digestOf([
        { taskId: 'a', generation: 1 },
        { taskId: 'b', generation: 3 },
      ]),
    );
  }
});

test('the host ports in use go with the beats; a read that fails holds nothing up and keeps the last ones', async () => {
  const failed = new Error('EACCES');
  const readings: Array<string[] | Error> = [failed, ['22/tcp', '8080/tcp'], failed, ['22/tcp']];
  let reads = 0;
  const readPortsInUse = async (): Promise<string[]> => {
    const next = readings[Math.min(reads, readings.length - 1)] as string[] | Error;
    reads += 1;
    if (next instanceof Error) throw next;
    return next;
  };
  const worker = new FixedWorker([view('a', 'Running')]);
  const manager = new RecordingManager([]);
  const reporter = reporterFor(manager, worker, { readPortsInUse, portsReadMs: 0 });
  reporter.start();
  while (!manager.beats.some((b) => b.metrics.portsInUse?.length === 1)) await sleep(1);
  await reporter.stop();
  assert.equal(manager.registers.length, 1);
  assert.equal(manager.registers[0]?.metrics.portsInUse, undefined, 'registered at once, with none read yet');
  const seen = manager.beats.map((b) => b.metrics.portsInUse?.join(',') ?? '');
  const first = seen.indexOf('22/tcp,8080/tcp');
  assert.ok(first >= 0, `the ports read reach the manager (${seen.join(' | ')})`);
  assert.ok(
    seen.slice(first).every((p) => p === '22/tcp,8080/tcp' || p === '22/tcp'),
    `after a failed read, the beats carry the last ports read (${seen.join(' | ')})`,
  );
  for (const beat of manager.beats) compile(HeartbeatSchema).parse(beat);

  const none = new RecordingManager([]);
  await run(none, worker, 2);
  assert.equal(none.beats[0]?.metrics.portsInUse, undefined, 'a worker that reads no ports sends none');
});

test('after a reply asks for a resync, the next beat lists every active task, and the one after does not', async () => {
  const worker = new FixedWorker([view('a', 'Running'), view('c', 'Failed')]);
  const manager = new RecordingManager([{ nextBeatInMs: 1, resync: true }]);
  await run(manager, worker, 3);
  assert.deepEqual(manager.beats[0]?.tasks, []);
  assert.deepEqual(
    manager.beats[1]?.tasks.map((t) => [t.taskId, t.state]),
    [['a', 'Running']],
  );
  assert.deepEqual(manager.beats[2]?.tasks, []);
  assert.ok(manager.beats.every((b) => b.digest?.count === 1));
});

test("the node's labels, allowed host paths and stop grace go with the registration only, and both bodies pass the manager's schemas", async () => {
  const worker = new FixedWorker([view('a', 'Running')]);
  const manager = new RecordingManager([]);
  await run(manager, worker, 2, {
    labels: { zone: 'a', disk: 'ssd' },
    allowedHostPaths: ['/srv/poseidon'],
    stopGraceSeconds: 30,
    hostId: 'rack1-host3',
    url: 'https://127.0.0.1:2', // the Worker API is HTTPS only, as the schema says
  });
  const registered = manager.registers[0];
  assert.equal(registered?.hostId, 'rack1-host3');
  assert.deepEqual(registered?.labels, { zone: 'a', disk: 'ssd' });
  assert.deepEqual(registered?.allowedHostPaths, ['/srv/poseidon']);
  assert.equal(registered?.stopGraceSeconds, 30);
  assert.equal(registered?.version, POSEIDON_VERSION);
  assert.deepEqual(registered?.specFields, SPEC_FIELDS);
  compile(RegisterSchema).parse(registered); // throws naming the field the manager would refuse
  for (const beat of manager.beats) compile(HeartbeatSchema).parse(beat);
});

test(
  'a host reading that does not end holds no beat up: beats go on with the latest reading',
  { timeout: 20_000 },
  async () => {
    const worker = new FixedWorker([view('a', 'Running')]);
    const manager = new RecordingManager([]);
    let reads = 0;
    await run(manager, worker, 3, {
      // the registration's reading answers; every later one hangs, as on a host too busy to read procfs
      readHost: () => (++reads === 1 ? Promise.resolve(HOST) : new Promise<HostSnapshot>(() => undefined)),
    });
    assert.equal(manager.registers.length, 1);
    for (const beat of manager.beats) assert.deepEqual(beat.metrics, manager.registers[0]?.metrics);
    assert.equal(reads, 2, 'one reading in flight at a time');
  },
);

/** A FixedWorker whose test says when a task changed. */
class ChangingWorker extends FixedWorker {
  readonly #listeners = new Set<(t: WorkerTaskView) => void>();
  override onChange(listener: (t: WorkerTaskView) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
  change(t: WorkerTaskView): void {
    for (const l of this.#listeners) l(t);
  }
}

test('a change is reported at once; the changes that come within the gap after a report go together at its end', async () => {
  const worker = new ChangingWorker([]);
  const manager = new RecordingManager([]);
  // a test process stalled for less than the gap still sees b and c within it
  const reporter = reporterFor(manager, worker, { reportGapMs: 500 });
  reporter.start();
  try {
    while (manager.registers.length === 0) await sleep(1);
    await sleep(1); // the registration's own flush, with nothing to send
    worker.change(view('a', 'Running'));
    while (manager.reports.length < 1) await sleep(1);
    await sleep(5); // that request answered: nothing in flight holds the next back
    worker.change(view('b', 'Running'));
    worker.change(view('c', 'Failed'));
    worker.change(view('b', 'Completed'));
    while (manager.reports.length < 2) await sleep(1);
    // without the gap, b would go alone at once, and c with b's last change after it
    assert.deepEqual(manager.reports, [['a'], ['b', 'c']]);
  } finally {
    await reporter.stop();
  }
});

/** A manager older than the version and spec fields: its schema refuses them, as fastify words it. */
class OlderManager extends RecordingManager {
  refused = 0;
  override async register(body: RegisterRequest): Promise<HeartbeatReply> {
    if (body.version !== undefined || body.specFields !== undefined || body.hostId !== undefined) {
      this.refused += 1;
      throw new RemoteError('invalid_request', 400, 'body must NOT have additional properties');
    }
    return super.register(body);
  }
}

test('a manager older than the worker is registered with without the fields it does not know, and the worker warns once', async () => {
  const manager = new OlderManager([]);
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  const reporter = new ManagerReporter({
    manager,
    worker: new FixedWorker([view('a', 'Running')]),
    nodeId: NODE_ID,
    name: 'w1',
    url: 'https://127.0.0.1:2',
    capacity: { cpuCores: 2, memoryBytes: 1 << 30, diskBytes: 1 << 30 },
    readHost: async () => HOST,
    log,
    hostId: 'rack1-host3',
  });
  reporter.start();
  try {
    while (manager.beats.length < 2) await sleep(1);
  } finally {
    await reporter.stop();
  }
  assert.equal(manager.refused, 1);
  assert.equal(manager.registers.length, 1);
  const registered = manager.registers[0];
  assert.equal(registered?.hostId, undefined, 'an older manager knows no host id: its proxies go direct');
  assert.equal(registered?.version, undefined);
  assert.equal(registered?.specFields, undefined);
  assert.deepEqual(
    registered?.tasks.map((t) => t.taskId),
    ['a'],
  );
  const warned = lines.map((l) => JSON.parse(l) as { msg: string }).filter((l) => /older than this worker/.test(l.msg));
  assert.deepEqual(
    warned.map((l) => l.msg),
    ['the manager is older than this worker: upgrade managers before workers'],
  );
});

test('a manager that says the node was removed is told once: the reporter stops beating, and calls onRemoved', async () => {
  const removedSaid = 'node w1 was removed from the cluster; its certificate is revoked';
  class RemovingManager extends RecordingManager {
    override async heartbeat(nodeId: string, body: HeartbeatRequest): Promise<HeartbeatReply> {
      const reply = await super.heartbeat(nodeId, body);
      if (this.beats.length >= 2) throw new RemoteError('node_removed', 401, removedSaid);
      return reply;
    }
  }
  const manager = new RemovingManager([]);
  const told: string[] = [];
  const reporter = reporterFor(manager, new FixedWorker([view('a', 'Running')]), {
    onRemoved: (message) => told.push(message),
  });
  reporter.start();
  while (told.length === 0) await sleep(1);
  await sleep(50); // a beat every 1 ms otherwise
  await reporter.stop();
  assert.deepEqual(told, [removedSaid]);
  assert.equal(manager.beats.length, 2, 'no beat after the removal');
});

test('any other refusal (401 unauthenticated) is no removal: the reporter beats on', async () => {
  class RefusingManager extends RecordingManager {
    override async heartbeat(nodeId: string, body: HeartbeatRequest): Promise<HeartbeatReply> {
      await super.heartbeat(nodeId, body);
      throw new RemoteError('unauthenticated', 401, 'the certificate of node w1 has expired');
    }
  }
  const manager = new RefusingManager([]);
  const told: string[] = [];
  const reporter = reporterFor(manager, new FixedWorker([view('a', 'Running')]), {
    onRemoved: (message) => told.push(message),
  });
  reporter.start();
  while (manager.beats.length < 2) await sleep(5);
  await reporter.stop();
  assert.deepEqual(told, []);
});

test('a manager older than the errorCode field refuses a report holding it: sent again without it, and later ones too', async () => {
  class ErrorCodeRefusing extends RecordingManager {
    readonly refused: number[] = [];
    override async report(nodeId: string, tasks: readonly TaskReport[]): Promise<void> {
      if (tasks.some((t) => t.errorCode !== undefined)) {
        this.refused.push(tasks.length);
        throw new RemoteError('invalid_request', 400, 'body.tasks[0] must NOT have additional properties');
      }
      await super.report(nodeId, tasks);
    }
  }
  const manager = new ErrorCodeRefusing([]);
  const worker = new ChangingWorker([]);
  const reporter = reporterFor(manager, worker, { reportGapMs: 0 });
  reporter.start();
  try {
    while (manager.registers.length === 0) await sleep(1);
    await sleep(1); // the registration's own flush, with nothing to send
    worker.change({ ...view('a', 'Failed'), errorCode: 'image_unavailable' });
    while (manager.reports.length === 0) await sleep(1);
    worker.change({ ...view('b', 'Failed'), errorCode: 'image_unavailable' });
    while (manager.reports.length < 2) await sleep(1);
    assert.deepEqual(manager.refused, [1], 'refused once, then never sent with it again');
    assert.deepEqual(manager.reports, [['a'], ['b']]);
  } finally {
    await reporter.stop();
  }
});

test('the removed nodes a reply lists are passed on; a plain beat passes nothing', async () => {
  const told: Array<readonly string[]> = [];
  const manager = new RecordingManager([{ nextBeatInMs: 1 }, { nextBeatInMs: 1, revoked: ['n2', 'n3'] }]);
  await run(manager, new FixedWorker([]), 4, { onRevoked: (ids) => told.push(ids) });
  assert.deepEqual(told, [['n2', 'n3']]);
});

test('each beat says which revoked version the worker holds; a manager older than the field is beaten without it', async () => {
  const withVersion = new RecordingManager([]);
  await run(withVersion, new FixedWorker([]), 2, { revokedVersion: () => '0123456789abcdef' });
  assert.deepEqual(
    withVersion.beats.map((b) => b.revokedVersion),
    ['0123456789abcdef', '0123456789abcdef'],
  );
  const older = new (class extends RecordingManager {
    refused = 0;
    override async heartbeat(nodeId: string, body: HeartbeatRequest): Promise<HeartbeatReply> {
      if (body.revokedVersion !== undefined) {
        this.refused += 1;
        throw new RemoteError('invalid_request', 400, 'body must NOT have additional properties');
      }
      return super.heartbeat(nodeId, body);
    }
  })([]);
  await run(older, new FixedWorker([]), 3, { revokedVersion: () => '0123456789abcdef' });
  assert.equal(older.refused, 1, 'refused once, then beats go without it');
  assert.deepEqual(
    older.beats.map((b) => b.revokedVersion),
    [undefined, undefined, undefined],
  );
});

test('a manager older than ports held on one address is beaten with each as held on every address', async () => {
  const held = ['22/tcp', '127.0.0.53:53/udp', '127.0.0.1:8080/tcp', '8080/tcp'];
  const readPortsInUse = async (): Promise<string[]> => held;
  const older = new (class extends RecordingManager {
    refused = 0;
    override async register(body: RegisterRequest): Promise<HeartbeatReply> {
      this.#refuse(body.metrics);
      return super.register(body);
    }
    override async heartbeat(nodeId: string, body: HeartbeatRequest): Promise<HeartbeatReply> {
      this.#refuse(body.metrics);
      return super.heartbeat(nodeId, body);
    }
    #refuse(metrics: HeartbeatRequest['metrics']): void {
      if (metrics.portsInUse?.some((key) => key.includes(':')) !== true) return;
      this.refused += 1;
      throw new RemoteError('invalid_request', 400, 'body.metrics.portsInUse[1] must match pattern "^[1-9]"');
    }
  })([]);
  await run(older, new FixedWorker([]), 3, { readPortsInUse, portsReadMs: 0 });
  assert.equal(older.refused, 1, 'refused once, then beats go so');
  for (const beat of older.beats) assert.deepEqual(beat.metrics.portsInUse, ['22/tcp', '53/udp', '8080/tcp']);

  const current = new RecordingManager([]);
  await run(current, new FixedWorker([]), 2, { readPortsInUse, portsReadMs: 0 });
  assert.ok(
    current.beats.some((b) => b.metrics.portsInUse?.join(',') === held.join(',')),
    'as read, to a manager that takes them',
  );
  for (const beat of current.beats) compile(HeartbeatSchema).parse(beat);
});

test('a resync asked for is logged once, not again for each beat that fails while the manager is away', async () => {
  const worker = new FixedWorker([view('a', 'Running')]);
  /** Asks for a resync, then is away (every beat refused as unreachable) for the rest. */
  class AwayAfterAsking extends RecordingManager {
    override async heartbeat(nodeId: string, body: HeartbeatRequest): Promise<HeartbeatReply> {
      if (this.beats.length === 0) return super.heartbeat(nodeId, body);
      this.beats.push(body);
      throw Object.assign(new Error('cannot reach manager'), { code: 'unreachable' });
    }
  }
  const manager = new AwayAfterAsking([{ nextBeatInMs: 1, resync: true }]);
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const reporter = reporterFor(manager, worker, { log });
  reporter.start();
  while (manager.beats.length < 4) await sleep(1);
  await reporter.stop();
  assert.ok(
    manager.beats.slice(1).every((b) => b.tasks.length === 1),
    'each beat after the ask lists the tasks until one gets through',
  );
  assert.equal(lines.filter((l) => l.includes('the manager asked for every task')).length, 1, lines.join(''));
});

test("the only manager given, cut off from etcd: what to do is logged once, not each beat's answer", async () => {
  const answer =
    "this manager has not reached a majority of etcd's members for 9s, so it cannot tell which manager leads, if any";
  /** A follower cut off from etcd after the first beat: every later beat answered store_unavailable. */
  class CutOff extends RecordingManager {
    override async heartbeat(nodeId: string, body: HeartbeatRequest): Promise<HeartbeatReply> {
      if (this.beats.length === 0) return super.heartbeat(nodeId, body);
      this.beats.push(body);
      throw new RemoteError('store_unavailable', 503, answer, 1_000);
    }
  }
  const manager = new CutOff([]);
  const lines: Array<{ msg: string }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) });
  const reporter = reporterFor(manager, new FixedWorker([]), { log });
  reporter.start();
  while (manager.beats.length < 4) await sleep(1);
  await reporter.stop();
  const said = lines.filter((l) => l.msg.includes(answer));
  assert.equal(said.length, 1, JSON.stringify(lines));
  assert.match(
    said[0]?.msg ?? '',
    /^the manager at http:\/\/127\.0\.0\.1:1 cannot reach its store \(etcd\), and this worker knows no other manager to ask .*pass every manager's URL to --manager/,
  );
  // given several, its client tries the next one: nothing to say beyond that
  assert.equal(
    storeAwayLine(new RemoteError('store_unavailable', 503, answer), ['https://a:1', 'https://b:1']),
    undefined,
  );
});
