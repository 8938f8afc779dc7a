import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { pino } from 'pino';
import { InvalidField, PoseidonError } from '../../../src/errors/index.js';
import { ClusterState, type ManagerRecord } from '../../../src/manager/cluster-state.js';
import type { TaskRecord } from '../../../src/manager/records.js';
import type { ServiceRecord } from '../../../src/manager/services/service-record.js';
import { parseServiceSpec } from '../../../src/service/index.js';
import { FileBook } from '../../../src/manager/file-book.js';
import { open, seal } from '../../../src/manager/file-seal.js';
import { recordCopy } from '../../../src/manager/record-copy.js';
import { toTaskView } from '../../../src/manager/records.js';
import { MemoryStore } from '../../../src/store/index.js';
import { parseSubmission } from '../../../src/task/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { taskRecord } from './records-fixture.js';

const log = pino({ level: 'silent' });

function setup(key = randomBytes(32)): { state: ClusterState; book: FileBook; store: MemoryStore<ManagerRecord> } {
  const store = new MemoryStore<ManagerRecord>();
  const state = new ClusterState({ store, clock: new FakeClock(), log });
  return { state, book: new FileBook({ state, log, key }), store };
}

const data = (text: string): string => Buffer.from(text).toString('base64');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof PoseidonError ? err.code : String(err);
  }
  return undefined;
}

test('a sealed value opens under its key and name only', () => {
  const key = randomBytes(32);
  const sealed = seal(key, 'db', Buffer.from('hunter2'));
  assert.equal(open(key, 'db', sealed)?.toString(), 'hunter2');
  assert.equal(open(randomBytes(32), 'db', sealed), null, 'another cluster');
  assert.equal(open(key, 'other', sealed), null, 'moved under another name');
  assert.equal(open(key, 'db', 'garbage'), null);
});

test('a secret is stored sealed, a config plain; the same value again is the one there, another is refused', async () => {
  const key = randomBytes(32);
  const { book, store, state } = setup(key);
  const events: string[] = [];
  state.events.subscribe((e) => events.push(`${e.type} ${e.file ?? ''}`));
  const made = await book.create('secret', { name: 'db', data: data('hunter2') });
  assert.equal(made.created, true);
  assert.deepEqual(
    { ...made.view, createdAt: '' },
    { name: 'db', kind: 'secret', size: 7, labels: {}, createdAt: '', inUseBy: [] },
  );
  const stored = await store.get('secret/db');
  assert.ok(stored?.kind === 'secret');
  assert.doesNotMatch(JSON.stringify(stored), /hunter2|aHVudGVyMg/, 'neither the value nor its base64');
  assert.equal((await book.create('secret', { name: 'db', data: data('hunter2') })).created, false);
  await assert.rejects(book.create('secret', { name: 'db', data: data('other') }), { code: 'file_exists' });
  await book.create('config', { name: 'db', data: data('level=1') });
  assert.equal(book.get('config', 'db').data, data('level=1'), 'a config shows its value; same name, other kind');
  assert.equal(book.get('secret', 'db').data, undefined);
  await book.remove('config', 'db');
  assert.deepEqual(events, ['secret.created db', 'config.created db', 'config.removed db'], 'once each, no value');
  await assert.rejects(book.create('secret', { name: 'blank', data: '' }), (err: unknown) => {
    return err instanceof InvalidField && err.message.startsWith('data is empty: a secret needs a value');
  });
  assert.equal((await book.create('config', { name: 'blank', data: '' })).view.size, 0, 'an empty config may be meant');
  await book.remove('config', 'blank');
  await book.create('config', { name: 'db', data: data('level=1') });
  // a manager started again (same CA) reads both back
  const again = new ClusterState({ store, clock: new FakeClock(), log });
  await again.load();
  const reread = new FileBook({ state: again, log, key });
  assert.equal((await reread.create('secret', { name: 'db', data: data('hunter2') })).created, false);
  assert.equal(state.files.size, 2);
});

test('references are checked at submission; one in use is not removed; only the placed node gets values', async () => {
  const { book, state } = setup();
  await book.create('secret', { name: 'db', data: data('hunter2') });
  const request = parseSubmission({
    name: 'app',
    image: 'busybox',
    secrets: [{ source: 'db' }, { source: 'db', target: '/x' }],
  });
  book.checkRefs(request.files);
  assert.throws(
    () => book.checkRefs([{ kind: 'config', source: 'db' }], 'task'),
    (err: unknown) => err instanceof InvalidField && err.message.startsWith('task.configs[0].source names no config'),
  );
  const rec = {
    ...taskRecord('t1'),
    request: { ...taskRecord('t1').request, files: request.files },
    nodeId: 'n1',
    generation: 3,
  };
  const changes = state.newChanges();
  changes.put(rec);
  await state.commit(changes);
  assert.deepEqual(book.get('secret', 'db').inUseBy, [rec.request.id]);
  assert.deepEqual(
    toTaskView(rec, null).files,
    [
      { kind: 'secret', source: 'db', target: '/run/secrets/db', uid: 0, gid: 0, mode: 0o444 },
      { kind: 'secret', source: 'db', target: '/x', uid: 0, gid: 0, mode: 0o444 },
    ],
    "the task's view says what it mounts, where and how (the console's task page lists it)",
  );
  assert.equal('files' in toTaskView(taskRecord('t2'), null), false, 'a task that mounts none has no files field');
  await assert.rejects(book.remove('secret', 'db'), {
    code: 'file_in_use',
    message: /^secret db is in use by task \S+ \(t1\); stop the task first$/,
  });
  // stopping: it has its files and will not start again, so the secret may go
  const stopping = state.newChanges();
  stopping.put({ ...rec, desired: 'stopped' });
  await state.commit(stopping);
  assert.deepEqual(book.get('secret', 'db').inUseBy, []);
  assert.deepEqual(book.valuesFor('n1', rec.request.id, 3), {
    files: [{ kind: 'secret', name: 'db', data: data('hunter2') }],
  });
  assert.equal(
    codeOf(() => book.valuesFor('n2', rec.request.id, 3)),
    'forbidden',
  );
  assert.equal(
    codeOf(() => book.valuesFor('n1', rec.request.id, 2)),
    'forbidden',
  );
  assert.equal(
    codeOf(() => book.valuesFor('n1', 'nope', 3)),
    'task_not_found',
  );
});

test('a service mounting a file is named once, not its replicas; its previous version counts too', async () => {
  const { book, state } = setup();
  await book.create('secret', { name: 'db', data: data('hunter2') });
  await book.create('secret', { name: 'old', data: data('x') });
  const files = parseSubmission({ name: 'app', image: 'busybox', secrets: [{ source: 'db' }] }).files;
  const task = (id: string, fields: Partial<TaskRecord> = {}): TaskRecord => ({
    ...taskRecord(id),
    ...fields,
    request: { ...taskRecord(id).request, files },
  });
  const service: ServiceRecord = {
    name: 'web',
    version: 2,
    lastVersion: 2,
    spec: parseServiceSpec({ name: 'web', task: { image: 'busybox', secrets: [{ source: 'db' }] } }),
    previous: {
      version: 1,
      spec: parseServiceSpec({ name: 'web', task: { image: 'busybox', secrets: [{ source: 'old' }] } }),
    },
    update: null,
    createdAt: '',
    updatedAt: '',
  };
  state.services.set('web', service);
  const changes = state.newChanges();
  changes.put(task('replica', { service: { service: 'web', slot: 1, version: 2 } }));
  const plain = changes.put(task('plain'));
  await state.commit(changes);
  assert.deepEqual(book.get('secret', 'db').inUseBy, ['web', plain.request.id], 'the replica is the service’s');
  assert.deepEqual(book.get('secret', 'old').inUseBy, ['web'], 'a rollback would mount it again');
  await assert.rejects(book.remove('secret', 'db'), {
    code: 'file_in_use',
    message:
      /^secret db is in use by service web, task \S+ \(plain\); stop the task, and update or remove the service first \(a service's previous version counts too: a rollback goes back to it\)$/,
  });
});

test("a follower's copy takes secrets and configs, and their removal", () => {
  const { state } = setup();
  const copy = recordCopy(state);
  const file = { kind: 'config' as const, name: 'c', createdAt: 't', labels: {}, size: 1, value: data('x') };
  copy.apply('config/c', { kind: 'config', file });
  assert.deepEqual(state.files.get('config/c'), file);
  copy.apply('config/c', { kind: 'config', file: { name: 'no value' } });
  assert.deepEqual(state.files.get('config/c'), file, 'a record that cannot be used is left out');
  copy.apply('config/c', undefined);
  assert.equal(state.files.size, 0);
});
