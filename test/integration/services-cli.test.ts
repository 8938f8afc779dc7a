import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServiceView } from '../../src/api/index.js';
import { POSEIDON_BIN } from '../../testkit/spawner.js';
import { TestCluster } from './helpers/cluster.js';
import { containerEnv, TEST_IMAGE } from './helpers/docker.js';
import { untilRolloutEnds, untilSettled } from './helpers/services.js';
import { waitFor } from './helpers/wait-for.js';

// `poseidon service …` as a user runs it: a YAML file, tables, --wait and --json, against a real
// manager and worker.

describe('poseidon service, the CLI', () => {
  const c = new TestCluster();
  before(async () => {
    await c.startManager();
    await c.startWorker('a');
  });
  after(() => c.close());

  test('create from YAML with --wait, ls, ps, scale, update --env --wait, rollback, status, rm', async () => {
    const file = join(c.dir, 'web.yaml');
    await writeFile(
      file,
      [
        'name: cli-web',
        'replicas: 2',
        'task:',
        `  image: ${TEST_IMAGE}`,
        '  command: [sleep, "600"]',
        `  labels: {poseidon.test-run: ${c.runId}}`,
        'update: {monitor: 500ms}',
        '',
      ].join('\n'),
    );
    const created = await c.cli(['service', 'create', '-f', file, '--wait']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^service cli-web created \(version 1, 2 replicas\)$/m);
    assert.match(created.stdout, /^cli-web-1 \(slot 1, version 1\): Running on /m);
    assert.match(created.stdout, /^service cli-web: 2\/2 replicas healthy$/m);

    const ls = await c.cli(['service', 'ls']);
    assert.match(ls.stdout, /^NAME\s+VERSION\s+MODE\s+REPLICAS\s+IMAGE\s+UPDATE$/m);
    assert.match(
      ls.stdout,
      new RegExp(`^cli-web\\s+1\\s+replicated\\s+2/2\\s+${TEST_IMAGE.replace(/[/.]/g, '\\$&')}\\s+-$`, 'm'),
    );

    const ps = await c.cli(['service', 'ps', 'cli-web']);
    assert.match(ps.stdout, /^SLOT\s+TASK\s+VERSION\s+STATE\s+NODE/m);
    assert.match(ps.stdout, /^2\s+[0-9a-f]{8}\s+1\s+Running\s+a-/m);

    // `web 3` as people type it first (docker's web=3 is the unit test's), waiting until all are healthy
    const scaled = await c.cli(['service', 'scale', 'cli-web', '3', '--wait']);
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(scaled.stdout, /^service cli-web: 3\/3 replicas healthy$/m);
    await untilSettled(c, 'cli-web', 3);

    const updated = await c.cli(['service', 'update', 'cli-web', '--env', 'LEVEL=debug', '--wait']);
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /^service cli-web updating to version 2 \(3 replicas\)$/m);
    assert.match(updated.stdout, /^service cli-web: completed: all 3 replicas run version 2$/m);
    const inspected = JSON.parse((await c.cli(['service', 'inspect', 'cli-web', '--json'])).stdout) as ServiceView;
    assert.deepEqual(inspected.spec.task.env, { LEVEL: 'debug' });
    assert.equal(inspected.spec.update?.monitor, 500);
    // for people: durations written as durations, the last rollout, and a replica per endpoint row
    const human = (await c.cli(['service', 'inspect', 'cli-web'])).stdout;
    assert.match(human, /^Update:\s+1 at a time, start-first, delay 0s, monitor 500ms, .*deadline 10m$/m);
    assert.match(human, /^Env:\s+LEVEL$/m);
    assert.match(human, /^Rollout:\s+completed: version 1 → 2, 3\/3 updated, 0 failed /m);
    assert.match(human, /^SLOT\s+TASK\s+VERSION\s+NODE\s+STATE\s+ADDRESS\s+PORTS$/m);
    assert.match(human, /^3\s+[0-9a-f]{8}\s+2\s+a-\S+\s+(starting|ready)\s/m);

    const status = await c.cli(['status']);
    assert.match(status.stdout, /^[0-9a-f]{8}\s+cli-web-3\s+cli-web\/3\s+/m);

    const back = await c.cli(['service', 'rollback', 'cli-web', '--json']);
    assert.equal(back.code, 0, back.stderr);
    assert.equal((JSON.parse(back.stdout) as ServiceView).version, 1);
    const ended = await untilRolloutEnds(c, 'cli-web');
    assert.equal(ended.update?.state, 'rolled_back');

    const bad = await c.cli(['service', 'scale', 'cli-web']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^poseidon: NAME=REPLICAS is "cli-web"; use e\.g\. web=6 \(or web 6\)$/m);
    const missing = await c.cli(['service', 'rm', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^poseidon: no service nope; poseidon service ls lists the services$/m);

    assert.equal((await c.cli(['service', 'rm', 'cli-web'])).code, 0);
    assert.equal((await c.cli(['service', 'ls'])).stdout, 'no services\n');
  });

  test('create IMAGE COMMAND with flags, as docker service create takes them; a file and image flags do not mix', async () => {
    const created = await c.cli([
      'service',
      'create',
      '--name',
      'cli-img',
      '--replicas',
      '2',
      '-e',
      'MODE=demo',
      '-l',
      `poseidon.test-run=${c.runId}`,
      '--update-parallelism',
      '2',
      '--wait',
      TEST_IMAGE,
      'sleep',
      '600',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^service cli-img created \(version 1, 2 replicas\)$/m);
    assert.match(created.stdout, /^service cli-img: 2\/2 replicas healthy$/m);
    const view = JSON.parse((await c.cli(['service', 'inspect', 'cli-img', '--json'])).stdout) as ServiceView;
    assert.deepEqual(view.spec.task.command, ['sleep', '600']);
    assert.deepEqual(view.spec.task.env, { MODE: 'demo' });
    assert.equal(view.spec.replicas, 2);
    assert.equal(view.spec.update?.parallelism, 2);
    const replicas = await c.client.listTasks({ service: 'cli-img' });
    assert.deepEqual(
      replicas.map((t) => t.state),
      ['Running', 'Running'],
    );
    const again = await c.cli(['service', 'create', '--name', 'cli-img', TEST_IMAGE, 'sleep', '600']);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /^poseidon: a service named cli-img already exists; change it with poseidon service update cli-img, or remove it first with poseidon service rm cli-img$/m,
    );
    // several at once, as docker's: a missing one is said, the others still go, and the command fails
    const rm = await c.cli(['service', 'rm', 'nope', 'cli-img']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /^poseidon: no service nope; poseidon service ls lists the services$/m);
    assert.match(rm.stdout, /^service cli-img removed; its tasks are stopping /m);
    assert.equal((await c.cli(['service', 'ls'])).stdout, 'no services\n');

    const file = join(c.dir, 'mixed.yaml');
    await writeFile(file, `name: mixed\ntask: {image: ${TEST_IMAGE}}\n`);
    const mixed = await c.cli(['service', 'create', '-f', file, '--replicas', '3']);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /^poseidon: --replicas: only with an image; the file says all of its service$/m);
    const rollout = await c.cli(['service', 'create', '-f', file, '--update-order', 'stop-first']);
    assert.match(rollout.stderr, /^poseidon: --update-order: only with an image; the file says all of its service$/m);
    const positional = await c.cli(['service', 'create', file]);
    assert.match(positional.stderr, /^poseidon: \S+mixed\.yaml is a file: poseidon service create -f \S+mixed\.yaml$/m);
    const bad = await c.cli(['service', 'create', '--replicas', 'many', TEST_IMAGE]);
    assert.match(bad.stderr, /^poseidon: --replicas is "many"; use a whole number such as 3$/m);
    assert.equal((await c.cli(['service', 'ls'])).stdout, 'no services\n', 'nothing refused was created');
  });

  test('update with docker service update flags: each changes its part; replicas alone is no new version', async () => {
    const created = await c.cli([
      'service',
      'create',
      '--name',
      'cli-upd',
      '--replicas',
      '2',
      '-e',
      'MODE=demo',
      '-e',
      'LEVEL=info',
      '-l',
      `poseidon.test-run=${c.runId}`,
      '--wait',
      TEST_IMAGE,
      'sleep',
      '600',
    ]);
    assert.equal(created.code, 0, created.stderr);

    const updated = await c.cli([
      'service',
      'update',
      'cli-upd',
      '--replicas',
      '3',
      '--env-add',
      'LEVEL=debug',
      '--env-rm',
      'MODE',
      '--label-add',
      'owner=ops',
      '--update-parallelism',
      '3',
      '--update-monitor',
      '500ms',
      '--health-cmd',
      'test -d /',
      '--health-interval',
      '500ms',
      '--wait',
    ]);
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /^service cli-upd updating to version 2 \(3 replicas\)$/m);
    assert.match(updated.stdout, /^service cli-upd: completed: all 3 replicas run version 2$/m);
    const view = JSON.parse((await c.cli(['service', 'inspect', 'cli-upd', '--json'])).stdout) as ServiceView;
    assert.deepEqual(view.spec.task.env, { LEVEL: 'debug' });
    assert.equal(view.spec.task.labels?.owner, 'ops');
    assert.equal(view.spec.update?.parallelism, 3);
    assert.equal(view.spec.task.healthCheck?.interval, 500);
    const replicas = await c.client.listTasks({ service: 'cli-upd', state: 'Running' });
    assert.equal(replicas.length, 3);
    for (const t of replicas) {
      assert.equal(t.labels.owner, 'ops');
      const env = await containerEnv(t.containerId ?? '');
      assert.ok(env.includes('LEVEL=debug') && !env.some((e) => e.startsWith('MODE=')), env.join(' '));
    }

    // scaling through update is not a new version, as with docker service update --replicas
    const scaled = await c.cli(['service', 'update', 'cli-upd', '--replicas', '1', '--wait']);
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(scaled.stdout, /^service cli-upd updated \(same version\) \(version 2, 1 replica\)$/m);

    const bad = await c.cli(['service', 'update', 'cli-upd', '--env-rm', 'LEVEL', '--update-order', 'random']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^poseidon: --update-order is "random"; use start-first or stop-first$/m);
    const unchanged = await c.client.getService('cli-upd');
    assert.equal(unchanged.version, 2, 'nothing refused was changed');
    assert.deepEqual(unchanged.spec.task.env, { LEVEL: 'debug' });

    // --force: a new version of the same spec, every replica a new task (docker service update --force)
    const [old] = await c.client.listTasks({ service: 'cli-upd', state: 'Running' });
    const forced = await c.cli(['service', 'update', 'cli-upd', '--force', '--wait']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^service cli-upd updating to version 3 \(1 replica\)$/m);
    assert.match(forced.stdout, /^service cli-upd: completed: its replica runs version 3$/m);
    const [restarted] = await c.client.listTasks({ service: 'cli-upd', state: 'Running' });
    assert.ok(old !== undefined && restarted !== undefined && restarted.id !== old.id, 'the replica is a new task');
    const forcedView = await c.client.getService('cli-upd');
    assert.deepEqual([forcedView.spec.forceUpdate, forcedView.spec.task.env], [1, { LEVEL: 'debug' }]);
    // the same spec from a file, which says no forceUpdate: no new version, no restart
    const file = join(c.dir, 'cli-upd.json');
    const { forceUpdate: _counter, ...written } = forcedView.spec;
    await writeFile(file, JSON.stringify(written));
    const again = await c.cli(['service', 'update', 'cli-upd', '-f', file]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^service cli-upd updated \(same version\) \(version 3, 1 replica\)$/m);
    assert.equal((await c.cli(['service', 'rm', 'cli-upd'])).code, 0);
  });

  test('service inspect names a named port, for people (Ports and the endpoints table) and in --json', async () => {
    const file = join(c.dir, 'named.yaml');
    await writeFile(
      file,
      [
        'name: cli-named',
        'replicas: 1',
        'task:',
        `  image: ${TEST_IMAGE}`,
        '  command: [sleep, "600"]',
        `  labels: {poseidon.test-run: ${c.runId}}`,
        '  ports:',
        '    - {container: 8080, protocol: http, name: web}',
        '    - {container: 9090, name: metrics, publish: false}',
        '    - {container: 7070}',
        '',
      ].join('\n'),
    );
    assert.equal((await c.cli(['service', 'create', '-f', file, '--wait'])).code, 0);
    const human = await c.cli(['service', 'inspect', 'cli-named']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /^Ports:\s+8080\/http \(name web\), 9090\/tcp \(name metrics, not published\), 7070\/tcp$/m,
    );
    // the replica's row: its published port 8080 (tcp on the wire) with the name the service gives it
    assert.match(human.stdout, /^1 +[0-9a-f]{8} +1 +.*[0-9]+->8080\/tcp \(name web\)/m);
    const json = await c.cli(['service', 'inspect', 'cli-named', '--json']);
    const view = JSON.parse(json.stdout) as ServiceView & { discovery: { ports: Array<{ name: string | null }> } };
    assert.deepEqual(
      view.spec.task.ports?.map((p) => p.name),
      ['web', 'metrics', undefined],
    );
    assert.deepEqual(
      view.discovery.ports.map((p) => p.name),
      ['web', 'metrics', null],
    );
    assert.equal((await c.cli(['service', 'rm', 'cli-named'])).code, 0);
  });

  test('service logs: every replica, each line after its replica; -f follows a replica added later', async () => {
    const file = join(c.dir, 'talk.yaml');
    await writeFile(
      file,
      [
        'name: cli-talk',
        'replicas: 2',
        'task:',
        `  image: ${TEST_IMAGE}`,
        '  command: [sh, -c, "i=0; while true; do i=$((i+1)); echo line-$i from $(hostname); sleep 0.2; done"]',
        `  labels: {poseidon.test-run: ${c.runId}}`,
        '',
      ].join('\n'),
    );
    assert.equal((await c.cli(['service', 'create', '-f', file, '--wait'])).code, 0);
    const replica = (slot: number): RegExp =>
      new RegExp(`^cli-talk-${slot}\\.[0-9a-f]{8}@a-\\S* +\\| line-\\d+ from `, 'm');
    const logs = await waitFor(
      async () => {
        const r = await c.cli(['service', 'logs', 'cli-talk', '--tail', '2']);
        assert.equal(r.code, 0, r.stderr);
        // --tail counts per replica: 2 lines of each, once each has printed 2
        const lines = r.stdout.trim().split('\n').length;
        return replica(1).test(r.stdout) && replica(2).test(r.stdout) && lines === 4 ? r.stdout : undefined;
      },
      { what: 'two lines of each replica in service logs --tail 2' },
    );
    assert.equal(logs.split('\n').filter((l) => l.startsWith('cli-talk-1.')).length, 2);

    const asTask = await c.cli(['logs', 'cli-talk']);
    assert.equal(asTask.code, 1);
    assert.match(asTask.stderr, /no task matches "cli-talk", but a service does: poseidon service logs cli-talk/);
    // the other task commands given a service's name say what to run instead
    const hints: Array<[string[], string]> = [
      [
        ['exec', 'cli-talk', 'true'],
        'a command runs in one of its replicas, cli-talk-1 and cli-talk-2 (poseidon exec cli-talk-1 COMMAND)',
      ],
      [['status', 'cli-talk'], 'poseidon service ps cli-talk lists its replicas'],
      [
        ['stop', 'cli-talk'],
        'poseidon service scale cli-talk 0 stops its replicas, poseidon service rm cli-talk removes it',
      ],
    ];
    for (const [args, advice] of hints) {
      const r = await c.cli(args);
      assert.deepEqual(
        [r.code, r.stderr],
        [1, `poseidon: no task matches "cli-talk", but a service does: ${advice}\n`],
        args.join(' '),
      );
    }
    // a replica named as Swarm names one gets its name here
    const swarmName = await c.cli(['exec', 'cli-talk.2', 'true']);
    assert.deepEqual(
      [swarmName.code, swarmName.stderr],
      [
        1,
        'poseidon: no task matches "cli-talk.2"; its replica here is cli-talk-2 (a service\'s replicas are named ' +
          'SERVICE-SLOT: poseidon service ps cli-talk lists them)\n',
      ],
    );
    assert.equal((await c.client.getService('cli-talk')).replicas, 2, 'nothing was stopped');

    const child = spawn(process.execPath, [POSEIDON_BIN, 'service', 'logs', 'cli-talk', '-f', '--tail', '1'], {
      env: { ...process.env, ...c.cliEnv() },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => replica(1).test(out) && replica(2).test(out), { what: 'both replicas followed' });
      assert.equal((await c.cli(['service', 'scale', 'cli-talk', '3'])).code, 0);
      // a replica that came after the command began is picked up, from its first line
      await waitFor(() => /^cli-talk-3\.[0-9a-f]{8}@a-\S* +\| line-1 from /m.test(out), {
        what: 'the new replica followed',
      });
      assert.equal((await c.cli(['service', 'rm', 'cli-talk'])).code, 0);
      // the service gone, the command ends by itself
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGINT');
    }
  });
  test('service rm, then service create of the same name at once: service ps lists the new replicas alone', async () => {
    const file = join(c.dir, 'again.yaml');
    await writeFile(
      file,
      [
        'name: cli-again',
        'replicas: 2',
        'task:',
        `  image: ${TEST_IMAGE}`,
        // SIGTERM ignored: each old replica takes its grace to stop, so the new service comes while they do
        `  command: [sh, -c, "trap '' TERM; while true; do sleep 1; done"]`,
        '  stopGracePeriod: 2s',
        `  labels: {poseidon.test-run: ${c.runId}}`,
        '',
      ].join('\n'),
    );
    const ids = async (): Promise<string[]> => {
      const r = await c.cli(['service', 'ps', '-q', 'cli-again']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').sort();
    };
    assert.equal((await c.cli(['service', 'create', '-f', file, '--wait'])).code, 0);
    const old = await ids();
    assert.equal(old.length, 2);
    assert.equal((await c.cli(['service', 'rm', 'cli-again'])).code, 0);
    const again = await c.cli(['service', 'create', '-f', file, '--wait']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^service cli-again: 2\/2 replicas healthy$/m);
    const fresh = await ids();
    assert.equal(fresh.length, 2);
    assert.deepEqual(
      fresh.filter((id) => old.includes(id)),
      [],
      "the removed service's replicas, still stopping, are not the new one's",
    );
    // once the old replicas have ended they are forgotten, as a removed service's are: no history of the new one
    await waitFor(
      async () => {
        const gone = await Promise.all(
          old.map((id) =>
            c.client.getTask(id).then(
              () => false,
              (err: unknown) => /no task matches/.test(String(err)),
            ),
          ),
        );
        return gone.every(Boolean);
      },
      { what: "the removed service's tasks forgotten", timeoutMs: 30_000 },
    );
    assert.deepEqual(await ids(), fresh);
    assert.equal((await c.cli(['service', 'rm', 'cli-again'])).code, 0);
  });
  test("service rm, then create at once, of a service with a named volume: the new replica waits for the old one's end", async () => {
    const file = join(c.dir, 'data.yaml');
    const volume = `clidata-${c.runId}`;
    await writeFile(
      file,
      [
        'name: cli-data',
        'task:',
        `  image: ${TEST_IMAGE}`,
        // SIGTERM ignored: the old replica writes to its volume for the whole grace, as a database flushing
        `  command: [sh, -c, "trap '' TERM; echo start >> /data/log; while true; do sleep 1; done"]`,
        '  stopGracePeriod: 2s',
        `  volumes: [{name: ${volume}, path: /data}]`,
        `  labels: {poseidon.test-run: ${c.runId}}`,
        '',
      ].join('\n'),
    );
    assert.equal((await c.cli(['service', 'create', '-f', file, '--wait'])).code, 0);
    const [old] = await c.client.serviceTasks('cli-data');
    assert.equal((await c.cli(['service', 'rm', 'cli-data'])).code, 0);
    const again = await c.cli(['service', 'create', '-f', file, '--wait']);
    assert.equal(again.code, 0, again.stderr);
    const [fresh] = await c.client.serviceTasks('cli-data');
    assert.notEqual(fresh?.id, old?.id);
    assert.deepEqual(
      (await c.client.getVolume(`${volume}-1`)).inUseBy,
      [fresh?.id],
      'one replica on the volume at a time',
    );
    assert.equal((await c.cli(['service', 'rm', 'cli-data'])).code, 0);
  });
});
