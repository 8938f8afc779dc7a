import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { asBinary, open } from 'lmdb';
import { LmdbStore } from '../../src/store/index.js';
import { adminClient } from '../../testkit/manager-access.js';
import { spawnManager, type PoseidonProcess } from '../../testkit/spawner.js';
import { TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';
import { TestWorker } from './helpers/worker.js';

// One record in a store that cannot be used (bytes no decoder reads, or a value of the wrong
// shape) must not stop the manager or a worker from starting: it is set aside, with a log line
// naming its key, and every other record loads.

/** Puts one undecodable record and one of the wrong shape into the LMDB store at `path`. */
async function spoil(path: string, undecodable: string, misshapen: string): Promise<void> {
  const store = new LmdbStore<unknown>(path);
  await store.put(misshapen, { kind: 'task', task: { state: 'Running' } });
  await store.close();
  const raw = open({ path });
  await raw.put(undecodable, asBinary(Buffer.from([0xc1, 0xff, 0x00])));
  await raw.close();
}

function logged(output: readonly string[], key: string): boolean {
  return output.some((l) => l.includes('set aside') && l.includes(`"key":"${key}"`));
}

describe('a record that cannot be used is set aside and the process starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-unreadable-'));
  let manager: PoseidonProcess | undefined;
  const worker = new TestWorker();
  after(async () => {
    await manager?.kill();
    await worker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the manager starts with its other tasks, and names both keys in its log', async () => {
    const dataDir = join(dir, 'manager');
    const first = await spawnManager(dataDir);
    manager = first.process;
    const submitted = await adminClient(first.access).submit({ name: 'kept', image: TEST_IMAGE });
    await manager.stop();
    assert.equal(manager.exitCode, 0);
    await spoil(
      join(dataDir, 'state'),
      'task/2026-01-01T00:00:00.000Z/garbage',
      'task/2026-01-01T00:00:00.000Z/misshapen',
    );

    const again = await spawnManager(dataDir);
    manager = again.process;
    const tasks = await adminClient(again.access).listTasks();
    assert.deepEqual(
      tasks.map((t) => t.id),
      [submitted.id],
    );
    assert.ok(logged(manager.output, 'task/2026-01-01T00:00:00.000Z/garbage'), manager.output.join('\n'));
    assert.ok(logged(manager.output, 'task/2026-01-01T00:00:00.000Z/misshapen'), manager.output.join('\n'));
  });

  test('a worker starts with its other tasks, and names both keys in its log', async () => {
    await worker.start();
    const done = await worker.client.startTask(worker.spec('kept', { command: ['true'] }));
    await worker.taskIn(done.id, 'Completed');
    await worker.proc.stop();
    await spoil(join(worker.dataDir, 'tasks'), 'task/garbage', 'task/misshapen');

    await worker.start();
    const ids = await waitFor(async () => (await worker.client.listTasks()).map((t) => t.id), {
      what: 'the task list',
    });
    assert.deepEqual(ids, [done.id]);
    assert.ok(logged(worker.proc.output, 'task/garbage'), worker.proc.output.join('\n'));
    assert.ok(logged(worker.proc.output, 'task/misshapen'), worker.proc.output.join('\n'));
  });
});
