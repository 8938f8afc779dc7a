import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EtcdCluster } from '../../testkit/etcd-cluster.js';
import { adminClient, cliEnv } from '../../testkit/manager-access.js';
import { runPoseidon, spawnManager, type PoseidonProcess } from '../../testkit/spawner.js';
import { TEST_IMAGE } from './helpers/docker.js';
import { POSEIDON_VERSION } from '../../src/version.js';

// `poseidon manager --store etcd://…`: the manager's records and API tokens live in a real
// three-member etcd cluster instead of its data dir, every 201 is there after a kill -9, and the
// manager goes on taking submissions with one etcd member down.

describe('a manager on etcd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poseidon-manager-etcd-'));
  let etcd: EtcdCluster;
  let manager: PoseidonProcess | undefined;
  before(async () => {
    etcd = await EtcdCluster.start(3);
  });
  after(async () => {
    await manager?.kill();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('keeps every acknowledged submission across a kill -9, and takes writes with one member down', async () => {
    const dataDir = join(dir, 'manager');
    const store = `${etcd.storeUrl}/poseidon-test-${process.pid}`;
    const first = await spawnManager(dataDir, ['--store', store]);
    manager = first.process;
    const client = adminClient(first.access);
    const ids = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => (await client.submit({ name: `e-${i}`, image: TEST_IMAGE })).id),
    );
    await manager.kill(); // SIGKILL: no chance to flush anything more
    // the records are not in the data dir: only the CA, certificates and tokens' files are
    assert.equal(existsSync(join(dataDir, 'state')), false);

    const again = await spawnManager(dataDir, ['--store', store]);
    manager = again.process;
    assert.ok(
      again.process.output.some((l) => l.includes('"store":"etcd ')),
      again.process.output.join('\n'),
    );
    const client2 = adminClient(again.access); // the admin token is in etcd too, and still works
    const listed = new Set((await client2.listTasks()).map((t) => t.id));
    for (const id of ids) assert.ok(listed.has(id), `acknowledged task ${id} is missing`);

    const status = await client2.clusterStatus();
    assert.equal(status.store.kind, 'etcd');
    assert.equal(status.managers.length, 1);
    assert.equal(status.leader, status.managers[0]?.id);
    assert.equal(status.managers[0]?.version, POSEIDON_VERSION, 'each manager says which Poseidon it runs');
    assert.deepEqual(
      status.store.members.map((m) => m.healthy),
      [true, true, true],
    );
    assert.equal(status.store.members.filter((m) => m.leader).length, 1, 'one etcd member leads');

    await etcd.stopMember(1);
    const text = await runPoseidon(['cluster', 'status'], cliEnv(again.access));
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /leader/);
    assert.match(text.stdout, new RegExp(`${etcd.endpoints[1] ?? ''} +unhealthy`));
    try {
      const during = await client2.submit({ name: 'during-member-loss', image: TEST_IMAGE });
      assert.equal((await client2.getTask(during.id)).id, during.id);
      // a majority down: refused as unavailable, and nothing changes. The manager leads a group (of
      // one) and cannot renew its term without a majority: it may step down and exit meanwhile,
      // and is started again once etcd has its majority back, as its supervisor would
      await etcd.stopMember(2);
      await assert.rejects(client2.submit({ name: 'no-majority', image: TEST_IMAGE }), (err: unknown) => {
        const code = (err as { code?: string }).code ?? '';
        assert.ok(['store_unavailable', 'not_leader', 'no_leader', 'unreachable'].includes(code), String(err));
        assert.equal((err as { status?: number }).status, 503);
        return true;
      });
    } finally {
      await etcd.startMember(1);
      await etcd.startMember(2);
    }
    let reader = client2;
    if (!manager.isAlive()) {
      const third = await spawnManager(dataDir, ['--store', store]);
      manager = third.process;
      reader = adminClient(third.access);
    }
    const names = (await reader.listTasks()).map((t) => t.name);
    assert.ok(names.includes('during-member-loss'));
    // A submission not acknowledged may still land: its transaction can already be in the raft log
    // of the member left alone, and commits when the majority is back (an indeterminate outcome,
    // as with any store). Never twice, and never acknowledged without being there.
    assert.ok(names.filter((n) => n === 'no-majority').length <= 1, 'a refused submission appears at most once');
  });

  test('a bad --store names the flag, and an unreachable etcd says what to check, without a stack trace', async () => {
    const bad = await runPoseidon([
      'manager',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'bad'),
      '--store',
      'etcd://nohostport',
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--store has "nohostport"; each etcd member is host:port/);
    const down = await runPoseidon([
      'manager',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'down'),
      '--store',
      'etcd://127.0.0.1:1',
    ]);
    assert.notEqual(down.code, 0);
    assert.match(down.stderr, /cannot reach etcd at http:\/\/127\.0\.0\.1:1: .*majority/);
    assert.doesNotMatch(down.stderr, /    at /);
  });
});
