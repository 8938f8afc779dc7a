import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { ManagerClient } from '../../src/client/index.js';
import { SPEC_FIELDS } from '../../src/task/index.js';
import { POSEIDON_VERSION } from '../../src/version.js';
import { RunCleanup } from '../../testkit/cleanup.js';
import { FakeWorker } from '../../testkit/fake-worker.js';
import { adminClient, cliEnv, type ManagerAccess } from '../../testkit/manager-access.js';
import { runPoseidon, spawnManager } from '../../testkit/spawner.js';
import { newRunId, TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// A worker says which Poseidon it runs and which task spec fields it reads when it joins. During
// an upgrade (the manager first, then the workers) a task that sets a field an older worker does
// not read waits for a node that reads it, instead of failing on the older one, and the operator
// sees each node's version. The workers are the testkit's (the real Worker and reporter over a
// fake engine), joined to a real `poseidon manager` process over mutual TLS; the "older" one
// says it reads every field but hostname, capAdd and capDrop. The manager says its own version too.

const UNREAD = ['hostname', 'capAdd', 'capDrop'];

describe('workers of other versions', () => {
  const cleanup = new RunCleanup(newRunId(), new Docker(), { processes: 'kill' });
  let access: ManagerAccess;
  let client: ManagerClient;
  let older: FakeWorker;
  let current: FakeWorker | undefined;
  let cliHome: string;

  before(async () => {
    const dir = await cleanup.tempDir('poseidon-worker-versions-test');
    cliHome = join(dir, 'cli');
    const manager = await spawnManager(join(dir, 'manager'), [], { onSpawn: (p) => cleanup.trackProcess(p) });
    access = manager.access;
    client = adminClient(access);
    older = new FakeWorker({ name: 'older', specFields: SPEC_FIELDS.filter((f) => !UNREAD.includes(f)) });
    await older.join(access.url, access.joinToken);
    await waitFor(async () => (await client.listNodes()).some((n) => n.state === 'Up'), { what: 'older Up' });
  });

  after(async () => {
    await older?.stop();
    await current?.stop();
    await cleanup.release();
  });

  const cli = (args: string[]) => runPoseidon(args, { ...cliEnv(access), XDG_CONFIG_HOME: cliHome });

  test('a task that sets a field the only worker does not read waits, saying why; others run there', async () => {
    const plain = await client.submit({ name: 'plain', image: TEST_IMAGE, labels: cleanup.labels });
    const capped = await client.submit({
      name: 'capped',
      image: TEST_IMAGE,
      capAdd: ['NET_RAW'], // in Docker's default set: no worker needs --allow-cap for it
      labels: cleanup.labels,
    });
    await waitFor(async () => (await client.getTask(plain.id)).state === 'Running', { what: 'plain Running' });
    const waiting = await waitFor(
      async () => {
        const t = await client.getTask(capped.id);
        return t.reason.includes('does not read') ? t : undefined;
      },
      { what: 'capped to say why it waits' },
    );
    assert.equal(waiting.state, 'Pending');
    assert.equal(
      waiting.reason,
      `0/1 nodes can run capped: 1 node runs poseidon ${POSEIDON_VERSION}, whose worker does not read field capAdd ` +
        '(upgrade it)',
    );
    assert.equal(
      older.worker.list().find((t) => t.id === capped.id),
      undefined,
      'never sent to the older worker',
    );
  });

  test('cluster status shows the manager its version', async () => {
    const status = await client.clusterStatus();
    assert.equal(status.managers[0]?.version, POSEIDON_VERSION);
    const text = await cli(['cluster', 'status']);
    assert.equal(text.code, 0, text.stderr);
    const [header, row] = text.stdout.split('\n');
    assert.match(header ?? '', /^MANAGER +URL +ROLE +VERSION +SINCE$/);
    assert.match(row ?? '', new RegExp(` leader +${POSEIDON_VERSION.replace(/\./g, '\\.')} +\\d{4}-`));
  });

  test('node ls shows each node its version; node inspect names the fields its worker does not read', async () => {
    const [view] = await client.listNodes();
    assert.equal(view?.version, POSEIDON_VERSION);
    assert.deepEqual(view?.specFieldsUnread, UNREAD);
    const ls = await cli(['node', 'ls']);
    assert.equal(ls.code, 0, ls.stderr);
    const [header, row] = ls.stdout.trimEnd().split('\n');
    assert.match(header ?? '', / HEARTBEAT +VERSION +LABELS$/);
    assert.match(row ?? '', new RegExp(`^older .* ago +${POSEIDON_VERSION.replace(/\./g, '\\.')} +-$`));
    const inspect = await cli(['node', 'inspect', 'older']);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, new RegExp(`^Version: +${POSEIDON_VERSION.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(inspect.stdout, /^Spec fields not read: +hostname, capAdd, capDrop \(upgrade its worker\)$/m);
  });

  test('once a worker that reads the field joins, the waiting task runs there', async () => {
    current = new FakeWorker({ name: 'current' });
    await current.join(access.url, access.joinToken);
    const capped = await waitFor(
      async () => {
        const t = (await client.listTasks()).find((x) => x.name === 'capped');
        return t?.state === 'Running' ? t : undefined;
      },
      { what: 'capped Running' },
    );
    assert.equal(capped.node, 'current');
    const inspect = await cli(['node', 'inspect', 'current']);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.doesNotMatch(inspect.stdout, /Spec fields not read/);
    const views = await client.listNodes();
    assert.equal(views.find((n) => n.name === 'current')?.specFieldsUnread, undefined);
  });
});
