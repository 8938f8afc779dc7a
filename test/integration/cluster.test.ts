import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { asManager } from '../../testkit/manager-access.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { containerEnv, containersWithLabel } from './helpers/docker.js';
import { countBy, TestCluster } from './helpers/cluster.js';
import { waitFor } from './helpers/wait-for.js';

describe('a cluster of a manager and two workers as separate processes', () => {
  const clusters: TestCluster[] = [];
  const cluster = async (managerArgs: string[] = []): Promise<TestCluster> => {
    const c = new TestCluster();
    clusters.push(c);
    await c.startManager(managerArgs);
    return c;
  };
  after(async () => {
    for (const c of clusters) await c.close();
  });

  test('roundrobin splits 10 tasks 5/5 over two workers', async () => {
    const c = await cluster(['--scheduler', 'roundrobin']);
    await c.startWorker('a');
    await c.startWorker('b');
    const ids = await c.submitMany('rr', 10);
    const tasks = await c.allInState(ids, 'Running');
    assert.deepEqual([...countBy(tasks, (t) => t.node ?? '-').values()].sort(), [5, 5]);
    for (const t of tasks) assert.equal((await containersWithLabel('poseidon.task-id', t.id)).length, 1);
    // the manager dispatched through the workers' batch route, never one task per request
    for (const short of ['a', 'b']) {
      const metrics = (await tlsFetch(`${c.workers.get(short)?.url}/metrics`, { tls: asManager(c.access) })).text();
      assert.match(
        metrics,
        /poseidon_worker_http_request_duration_seconds_count\{method="POST",route="\/tasks\/batch",status="200"\} [1-9]/,
      );
      assert.doesNotMatch(metrics, /route="\/tasks",status="20[01]"/);
    }
  });

  test('epvm gives a worker already loaded with tasks fewer new ones than an empty one', async () => {
    const c = await cluster(['--scheduler', 'epvm']);
    await c.startWorker('loaded', ['--cpu', '2', '--memory', '2Gi']);
    // memory decides here, not cpu: both workers measure the same host's cpu at different
    // moments, so a busy machine can make either look hotter (E-PVM counts measured cpu)
    const first = await c.submitMany('old', 6, { cpu: 0.05, memory: '256Mi' });
    await c.allInState(first, 'Running');
    await c.startWorker('empty', ['--cpu', '2', '--memory', '2Gi']);
    const fresh = await c.submitMany('new', 6, { cpu: 0.05, memory: '256Mi' });
    const tasks = await c.allInState(fresh, 'Running');
    const split = countBy(tasks, (t) => t.node ?? '-');
    const toLoaded = split.get(c.workerName('loaded')) ?? 0;
    const toEmpty = split.get(c.workerName('empty')) ?? 0;
    assert.ok(toLoaded < toEmpty, `loaded got ${toLoaded}, empty got ${toEmpty}`);
  });

  test('a task bigger than every node stays Pending with a reason, and runs once a bigger node joins', async () => {
    const c = await cluster();
    await c.startWorker('small', ['--memory', '256Mi']);
    const big = await c.client.submit(c.task('big', { memory: '512Mi' }));
    const pending = await waitFor(async () => {
      const t = await c.client.getTask(big.id);
      return t.state === 'Pending' && /memory/.test(t.reason) ? t : undefined;
    });
    assert.match(pending.reason, /0\/1 nodes can run big: 1 not enough free memory \(needs 512 MiB; most free 256 MiB/);
    const status = await c.cli(['status']);
    assert.equal(status.code, 0);
    // status shows why it can never be placed as things are (no node has that much), not "no room now"
    assert.match(status.stdout, /Pending .*0\/1 nodes could ever hold it: 1 node has less than 512 MiB memory in all/);
    await c.startWorker('large', ['--memory', '1Gi']);
    const [running] = await c.allInState([big.id], 'Running');
    assert.equal(running?.node, c.workerName('large'));
  });

  test('kill -9 of a worker moves its tasks to the other; after its restart each task still has exactly one container', async () => {
    const c = await cluster(['--scheduler', 'roundrobin']);
    await c.startWorker('a');
    await c.startWorker('b');
    const ids = await c.submitMany('fo', 4);
    const before = await c.allInState(ids, 'Running');
    const victim = c.workerName('a');
    const onVictim = before.filter((t) => t.node === victim).map((t) => t.id);
    assert.ok(onVictim.length > 0);
    const victimProc = c.workers.get('a');
    const victimPort = new URL(victimProc?.url ?? '').port;
    await victimProc?.kill();
    const moved = await waitFor(
      async () => {
        const tasks = await Promise.all(onVictim.map((id) => c.client.getTask(id)));
        return tasks.every((t) => t.state === 'Running' && t.node === c.workerName('b')) ? tasks : undefined;
      },
      { timeoutMs: 30_000, what: 'tasks to run on the other worker' },
    );
    for (const t of moved) assert.ok(t.generation >= 2);
    const nodes = await c.client.listNodes();
    assert.equal(nodes.find((n) => n.name === victim)?.state, 'Down');
    // the killed worker comes back with its old containers still running: they must be stopped
    await c.startWorker('a', [], victimPort);
    await waitFor(
      async () => {
        for (const id of ids) {
          const running = await containersWithLabel('poseidon.task-id', id);
          const states = await Promise.all(
            running.map((cid) => import('./helpers/docker.js').then((d) => d.isRunning(cid))),
          );
          if (states.filter(Boolean).length !== 1) return undefined;
        }
        return true;
      },
      { timeoutMs: 20_000, what: 'exactly one running container per task' },
    );
    const after = await Promise.all(ids.map((id) => c.client.getTask(id)));
    for (const t of after) assert.equal(t.state, 'Running');
  });

  test('the manager killed and restarted lists every task with the same state and node, and starts nothing twice', async () => {
    const c = await cluster(['--scheduler', 'roundrobin']);
    await c.startWorker('a');
    await c.startWorker('b');
    const ids = await c.submitMany('mr', 4);
    const before = await c.allInState(ids, 'Running');
    await c.restartManager();
    const after = await Promise.all(ids.map((id) => c.client.getTask(id)));
    for (const [i, t] of after.entries()) {
      assert.equal(t.state, 'Running');
      assert.equal(t.node, before[i]?.node);
      assert.equal(t.containerId, before[i]?.containerId);
    }
    // once the workers have reported in again, still the same containers, one each
    await waitFor(async () => (await c.client.listNodes()).every((n) => n.state === 'Up'), { what: 'nodes Up again' });
    for (const t of before) assert.deepEqual(await containersWithLabel('poseidon.task-id', t.id), [t.containerId]);
  });

  test('the CLI: task, status, stop and node work, and their errors are one clear line with a non-zero exit', async () => {
    const c = await cluster();
    await c.startWorker('a');
    const file = join(c.dir, 'web.json');
    writeFileSync(
      file,
      JSON.stringify(
        c.task('cli-web', { command: ['httpd', '-f', '-p', '80', '-h', '/www'], ports: [{ container: 80 }] }),
      ),
    );
    const submitted = await c.cli(['task', '--filename', file, '--wait']);
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.split(' ')[0] ?? '';
    assert.match(submitted.stdout, /Running on /);
    // --wait follows the task until it runs or ends: a task that cannot start ends it with exit 1
    const unstartable = join(c.dir, 'unstartable.json');
    writeFileSync(
      unstartable,
      JSON.stringify(c.task('cli-bad', { image: 'poseidon/no-such-image:1', restartPolicy: { mode: 'never' } })),
    );
    const failed = await c.cli(['task', '--filename', unstartable, '--wait']);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(
      failed.stdout,
      /^[0-9a-f-]{36} Failed on a-\S+: image poseidon\/no-such-image:1 is not on this host and could not be pulled/,
    );
    assert.doesNotMatch(failed.stdout, /starts it again/, 'never: no restart is planned');
    // the default policy (on-failure) tries again: said, though --wait still ends with exit 1
    const retried = join(c.dir, 'retried.json');
    writeFileSync(retried, JSON.stringify(c.task('cli-retried', { image: 'poseidon/no-such-image:1' })));
    const again = await c.cli(['task', '--filename', retried, '--wait']);
    assert.equal(again.code, 1, again.stderr);
    assert.match(
      again.stdout,
      /^[0-9a-f-]{36} Failed on .*could not be pulled.*; its restart policy starts it again; check the image name poseidon\/no-such-image:1, build or load it on \S+ .*reaches its registry\n$/,
    );
    await c.client.stopTask(again.stdout.split(' ')[0] ?? '');
    // a container that ran and failed: what it printed last follows on stderr, as docker run shows it
    const noCommand = ['run', '--name', 'cli-nocmd', '--restart', 'never', '-l', `poseidon.test-run=${c.runId}`];
    const exited = await c.cli([...noCommand, '--wait', 'poseidon/busybox:latest', 'no-such-command']);
    assert.equal(exited.code, 127, exited.stderr); // as docker run: its command was not found
    assert.match(exited.stdout, /^[0-9a-f-]{36} Failed on a-\S+: exited with code 127\n$/);
    assert.match(
      exited.stderr,
      /^poseidon: its last output \(poseidon logs [0-9a-f]{8} for all of it\):\n {2}.*exec no-such-command failed: No such file or directory\n$/,
    );

    const json = await c.cli(['status', '--json']);
    const listed = JSON.parse(json.stdout) as Array<{ id: string; state: string; ports: Array<{ host: number }> }>;
    const web = listed.find((t) => t.id === id);
    assert.equal(web?.state, 'Running');
    const page = await fetch(`http://127.0.0.1:${web?.ports[0]?.host ?? 0}/`).then((r) => r.text());
    assert.match(page, /hello from poseidon/);

    const table = await c.cli(['status']);
    assert.match(table.stdout, /^ID\s+NAME\s+IMAGE\s+STATE\s+NODE\s+PORTS\s+RESTARTS\s+AGE\s+REASON/);
    assert.match(table.stdout, new RegExp(`${id.slice(0, 8)}\\s+cli-web`));
    const one = await c.cli(['status', id.slice(0, 6)]);
    assert.match(one.stdout, /State:\s+Running/);
    const byName = await c.cli(['status', 'cli-web']); // as status lists it, as docker takes a name
    assert.match(byName.stdout, new RegExp(`ID:\\s+${id}`));
    // -q: ids alone, one a line, as docker ps -q, for xargs; the filters as the table's
    const quiet = await c.cli(['status', '-q', '--state', 'Running']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.deepEqual(
      quiet.stdout.trimEnd().split('\n'),
      listed.filter((t) => t.state === 'Running').map((t) => t.id),
    );
    assert.equal((await c.cli(['status', '-q', 'cli-web'])).stdout, `${id}\n`);

    const nodes = await c.cli(['node']);
    assert.match(nodes.stdout, new RegExp(`${c.workerName('a')}\\s+Up`));
    const nodesJson = JSON.parse((await c.cli(['node', '--json'])).stdout) as Array<{
      id: string;
      name: string;
      taskCount: number;
    }>;
    assert.equal(nodesJson[0]?.taskCount, 1);
    // one node as the manager knows it, and what runs there
    const inspected = await c.cli(['node', 'inspect', c.workerName('a')]);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.match(inspected.stdout, new RegExp(`^Name:\\s+${c.workerName('a')}$`, 'm'));
    assert.match(inspected.stdout, /^State:\s+Up$/m);
    assert.match(inspected.stdout, /^Engine:\s+available for \d+[smhd]$/m);
    assert.match(inspected.stdout, /^Memory:\s+[\d.]+ \w+ allocated of [\d.]+ \w+, [\d.]+ \w+ free$/m);
    assert.match(inspected.stdout, new RegExp(`^${id.slice(0, 8)}\\s+cli-web\\s+Running\\s`, 'm'));
    const byId = JSON.parse(
      (await c.cli(['node', 'inspect', nodesJson[0]?.id.slice(0, 8) ?? '', '--json'])).stdout,
    ) as { name: string };
    assert.equal(byId.name, c.workerName('a'));
    const noNode = await c.cli(['node', 'inspect', 'nope']);
    assert.equal(noNode.code, 1);
    assert.equal(noNode.stderr, `poseidon: no node nope (the nodes: ${c.workerName('a')})\n`);
    // labels the operator sets (node update): a task that waits for one runs once it is set
    const zoned = await c.client.submit(c.task('cli-zoned', { constraints: ['node.labels.zone == blue'] }));
    await c.allInState([zoned.id], 'Pending');
    const labelled = await c.cli(['node', 'update', c.workerName('a'), '--label-add', 'zone=blue']);
    assert.equal(labelled.code, 0, labelled.stderr);
    assert.equal(
      labelled.stdout,
      `node ${c.workerName('a')} labels: zone=blue (node update) (new placements match them)\n`,
    );
    await c.allInState([zoned.id], 'Running');
    assert.match(
      (await c.cli(['node', 'inspect', c.workerName('a')])).stdout,
      /^Labels:\s+zone=blue \(node update\)$/m,
    );
    const unlabelled = await c.cli(['node', 'update', c.workerName('a'), '--label-rm', 'zone']);
    assert.equal(unlabelled.code, 0, unlabelled.stderr);
    assert.equal((await c.client.getTask(zoned.id)).state, 'Running', 'a running task stays');
    const refused = await c.cli(['node', 'update', c.workerName('a'), '--label-add', 'zone']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^poseidon: --label-add must be key=value/);
    assert.equal((await c.cli(['stop', zoned.id])).code, 0);
    // paused: nothing new goes there, what runs there stays (as Swarm's pause)
    const paused = await c.cli(['node', 'update', c.workerName('a'), '--availability', 'pause']);
    assert.equal(paused.stdout, `node ${c.workerName('a')} paused: nothing new goes there; its tasks stay\n`);
    assert.match((await c.cli(['node'])).stdout, new RegExp(`^${c.workerName('a')}\\s+Up, paused\\s`, 'm'));
    const late = await c.client.submit(c.task('cli-late'));
    await c.allInState([late.id], 'Pending');
    assert.match((await c.client.getTask(late.id)).reason, /1 node paused/);
    assert.equal((await c.client.getTask(id)).state, 'Running', 'its task stays');
    const active = await c.cli(['node', 'update', c.workerName('a'), '--availability', 'active']);
    assert.equal(active.code, 0, active.stderr);
    await c.allInState([late.id], 'Running');
    assert.equal((await c.cli(['stop', late.id])).code, 0);

    // a command in the task's container, through the manager and its worker, on the real engine
    const ran = await c.cli(['exec', id.slice(0, 8), 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual([ran.code, ran.stdout, ran.stderr], [3, 'out\n', 'err\n']);
    // the manager logs who ran what where: the task, the program and the token's id, never the arguments
    const execLogged = await waitFor(
      () => {
        const lines = c.manager.output.filter((l) => l.includes('"exec in a task container"'));
        return lines.length > 0 ? lines : undefined;
      },
      { what: 'the exec in the manager log' },
    );
    assert.equal(execLogged.length, 1, execLogged.join('\n'));
    const execLine = JSON.parse(execLogged[0] as string) as Record<string, unknown>;
    assert.deepEqual([execLine.level, execLine.taskId, execLine.program], [30, id, 'sh']);
    assert.match(String(execLine.tokenId), /^[0-9a-f]{12}$/, "the CLI's token");
    assert.doesNotMatch(execLogged[0] as string, /echo out/);
    const big = await c.cli(['exec', 'cli-web', 'sh', '-c', 'seq 1 100000']);
    assert.equal(big.code, 0, big.stderr);
    assert.equal(big.stdout.split('\n').length, 100_001, 'every line of a long output, in order');
    assert.ok(big.stdout.endsWith('99999\n100000\n'));
    const noProgram = await c.cli(['exec', id.slice(0, 8), 'no-such-program']);
    assert.equal(noProgram.code, 126, 'as docker exec: the engine could not run it');
    assert.match(noProgram.stdout + noProgram.stderr, /executable file not found/);

    const stop = await c.cli(['stop', id.slice(0, 8)]);
    assert.equal(stop.code, 0, stop.stderr);
    await c.allInState([id], 'Completed');
    const notRunning = await c.cli(['exec', id.slice(0, 8), 'ls']);
    assert.equal(notRunning.code, 1);
    assert.match(
      notRunning.stderr,
      /^poseidon: task cli-web \([0-9a-f]{8}\) is Completed, not Running; exec runs a command in a running container\n$/,
    );
    assert.equal((await containersWithLabel('poseidon.task-id', id)).length, 0);

    // errors: unknown id, ambiguous prefix, bad file, unreachable manager
    const unknown = await c.cli(['stop', 'ffffffff']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'poseidon: no task matches "ffffffff"; poseidon status lists the tasks\n');
    await c.client.submit(c.task('amb-1', { id: 'abcd0000-0000-4000-8000-000000000001' }));
    await c.client.submit(c.task('amb-2', { id: 'abcd0000-0000-4000-8000-000000000002' }));
    const ambiguous = await c.cli(['status', 'abcd']);
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /^poseidon: "abcd" matches 2 tasks .*give more of the id\n$/);
    const missing = await c.cli(['task', '--filename', join(c.dir, 'nope.json')]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^poseidon: --filename .*nope\.json cannot be read: no such file or directory; check the path\n$/,
    );
    const badFile = join(c.dir, 'bad.json');
    writeFileSync(badFile, JSON.stringify({ name: 'x', image: 'poseidon/busybox:latest', memroy: '1Gi' }));
    const bad = await c.cli(['task', '--filename', badFile]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'poseidon: memroy is not a known field (did you mean memory?)\n');
    const down = await c.cli(['status', '--manager', 'http://127.0.0.1:9']);
    assert.equal(down.code, 1);
    assert.equal(down.stderr, 'poseidon: cannot reach manager at http://127.0.0.1:9: is `poseidon manager` running?\n');
    // several at once, as docker stop takes them: one unknown is said, the others still stop
    const pair = ['abcd0000-0000-4000-8000-000000000001', 'abcd0000-0000-4000-8000-000000000002'];
    const several = await c.cli(['stop', pair[0] as string, 'ffffffff', pair[1] as string]);
    assert.equal(several.code, 1);
    assert.equal(several.stdout, pair.map((p) => `${p} stopping\n`).join(''));
    assert.equal(several.stderr, 'poseidon: no task matches "ffffffff"; poseidon status lists the tasks\n');
    await c.allInState(pair, 'Completed');
  });

  test('poseidon run IMAGE COMMAND: its flags make the task, the container gets them, and mistakes are one line', async () => {
    const c = await cluster();
    await c.startWorker('a');
    const label = `poseidon.test-run=${c.runId}`;
    const ran = await c.cli([
      'run',
      '--wait',
      '--name',
      'cli-run',
      '-p',
      '80',
      '-e',
      'MODE=demo',
      '-l',
      label,
      '--memory',
      '32Mi',
      '--restart',
      'on-failure:2',
      '--health-cmd',
      'test -d /www',
      '--health-interval',
      '500ms',
      'poseidon/busybox:latest',
      'httpd',
      '-f',
      '-p',
      '80',
      '-h',
      '/www',
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /^[0-9a-f-]{36} Running on /);
    const id = ran.stdout.split(' ')[0] ?? '';
    const task = await c.client.getTask(id);
    assert.equal(task.name, 'cli-run');
    assert.deepEqual(task.command, ['httpd', '-f', '-p', '80', '-h', '/www'], 'the command keeps its own -p');
    assert.equal(task.memory, 32 * 1024 * 1024);
    assert.equal(task.labels['poseidon.test-run'], c.runId);
    const page = await fetch(`http://127.0.0.1:${task.ports[0]?.host ?? 0}/`).then((r) => r.text());
    assert.match(page, /hello from poseidon/);
    const containers = await containersWithLabel('poseidon.task-id', id);
    assert.equal(containers.length, 1);
    assert.ok((await containerEnv(containers[0] ?? '')).includes('MODE=demo'));
    await waitFor(async () => (await c.client.getTask(id)).health.status === 'healthy', { what: 'the check healthy' });

    // no name: the image's, with 4 hex digits; after --, a command may start with one of run's flags
    const unnamed = await c.cli(['run', '-l', label, 'poseidon/busybox:latest', '--', 'sleep', '300']);
    assert.equal(unnamed.code, 0, unnamed.stderr);
    assert.match((await c.client.getTask(unnamed.stdout.trim())).name, /^busybox-[0-9a-f]{4}$/);
    const before = (await c.client.listTasks()).length;
    for (const [args, message] of [
      [['run', 'poseidon/busybox:latest', '--wait'], /^poseidon: --wait after the image is the container's command;/],
      [
        ['run', '--memory', '4Mi', 'poseidon/busybox:latest'],
        /^poseidon: --memory is 4 MiB; a container needs at least/,
      ],
      [
        ['run', '-p', 'localhost:80:80', 'poseidon/busybox:latest'],
        /^poseidon: --publish\[0\] has host address "localhost", which must be an IPv4/,
      ],
      [['run', 'Not An Image'], /^poseidon: IMAGE is "Not An Image": neither a task file here nor an image/],
    ] as const) {
      const refused = await c.cli([...args]);
      assert.equal(refused.code, 1, args.join(' '));
      assert.match(refused.stderr, message);
    }
    assert.equal((await c.client.listTasks()).length, before, 'nothing refused was submitted');
  });
});
