import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { ManagerClient } from '../../src/client/index.js';
import { LABEL_TASK_ID } from '../../src/driver/labels.js';
import { shmFilesRoot } from '../../src/worker/task-files.js';
import { RunCleanup } from '../../testkit/cleanup.js';
import { EtcdCluster } from '../../testkit/etcd-cluster.js';
import { Relay } from '../../testkit/relay.js';
import { adminClient, cliEnv, type ManagerAccess } from '../../testkit/manager-access.js';
import {
  POSEIDON_BIN,
  runPoseidon,
  spawnManager,
  spawnPoseidon,
  spawnWorker,
  type PoseidonProcess,
} from '../../testkit/spawner.js';
import { newRunId, TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// Three managers on a three-member etcd, and two real workers given all three managers' URLs.
// One manager leads and places; the others pass calls on to it; a leader killed (kill -9) or
// frozen (kill -STOP) is replaced, and new submissions are placed; a deposed leader exits and,
// started again as its supervisor would, follows; no acknowledged submission is lost across ten
// leader kills under a load of submissions, and each task runs as exactly one container; one etcd
// member stopped changes nothing.

const EXIT_DEPOSED = 75;
const SLEEP = ['sleep', '600'];
/** A manager's start on a machine busy with other tests can take far longer than its usual second. */
const START_TIMEOUT_MS = 60_000;
const PREFIX = `/poseidon-group-${process.pid}`;

interface Member {
  dataDir: string;
  process: PoseidonProcess;
}

describe('managers as a group', () => {
  const runId = newRunId();
  const docker = new Docker();
  const cleanup = new RunCleanup(runId, docker, { processes: 'kill' });
  let etcd: EtcdCluster;
  let store: string;
  let first: ManagerAccess;
  const members: Member[] = [];
  let urls: string[];
  let managerJoinToken: string;
  /** The workers' data dirs live here, not in ~/.poseidon/<name>, so the run leaves nothing behind. */
  let workersDir: string;
  const workerArgs = (name: string): string[] => ['--port', '0', '--name', name, '--data-dir', join(workersDir, name)];

  /** The Manager API through the given managers (all of them by default), as the admin. */
  const client = (through: readonly string[] = urls, timeoutMs = 30_000): ManagerClient =>
    adminClient({ ...first, url: through.join(',') }, timeoutMs);

  /** Submits a `sleep` task through the group and waits until it runs. */
  const submitRunning = async (name: string, what: string): Promise<void> => {
    const task = await client().submit({ name, image: TEST_IMAGE, command: SLEEP, labels: cleanup.labels });
    await waitFor(async () => (await client().getTask(task.id)).state === 'Running', { what, timeoutMs: 30_000 });
  };

  /** What `cat /run/secrets/group-pw` in the task's container prints, through one manager. */
  const catSecret = async (through: string, taskId: string): Promise<unknown[]> => {
    const lines = [];
    for await (const line of await client([through]).exec(taskId, { command: ['cat', '/run/secrets/group-pw'] }))
      lines.push(line);
    return lines;
  };

  /** Starts manager i again on its own port and data dir, as a supervisor restarts a crashed one. */
  const restart = async (i: number): Promise<void> => {
    const m = members[i] as Member;
    const port = new URL(urls[i] as string).port;
    const p = await spawnPoseidon(['manager', '--port', port, '--data-dir', m.dataDir, '--store', store], {
      onSpawn: (sp) => cleanup.trackProcess(sp),
      listenTimeoutMs: START_TIMEOUT_MS,
    });
    members[i] = { dataDir: m.dataDir, process: p };
  };

  const leaderIndex = async (): Promise<number> => {
    const status = await client().clusterStatus();
    const leader = status.managers.find((m) => m.leader);
    assert.ok(leader !== undefined, 'a manager leads');
    return urls.indexOf(leader.url);
  };

  before(async () => {
    etcd = await EtcdCluster.start(3);
    store = `${etcd.storeUrl}${PREFIX}`;
    const dir = await cleanup.tempDir('poseidon-group');
    const one = await spawnManager(join(dir, 'm0'), ['--store', store], {
      onSpawn: (p) => cleanup.trackProcess(p),
      listenTimeoutMs: START_TIMEOUT_MS,
    });
    first = one.access;
    members.push({ dataDir: join(dir, 'm0'), process: one.process });
    managerJoinToken = readFileSync(join(dir, 'm0', 'manager-join-token'), 'utf8').trim();
    for (const name of ['m1', 'm2']) {
      const p = await spawnPoseidon(
        ['manager', '--port', '0', '--data-dir', join(dir, name), '--store', store, '--join-token', managerJoinToken],
        { onSpawn: (sp) => cleanup.trackProcess(sp), listenTimeoutMs: START_TIMEOUT_MS },
      );
      members.push({ dataDir: join(dir, name), process: p });
    }
    urls = members.map((m) => m.process.url);
    workersDir = await cleanup.tempDir('poseidon-group-workers');
    for (const name of ['gw-a', 'gw-b']) {
      const w = await spawnWorker({ ...first, url: urls.join(',') }, workerArgs(`${name}-${runId}`), {
        onSpawn: (p) => cleanup.trackProcess(p),
      });
      cleanup.trackWorkerName(`${name}-${runId}`);
      void w;
    }
    await waitFor(async () => (await client().listNodes()).filter((n) => n.state === 'Up').length === 2, {
      what: 'both workers Up',
      timeoutMs: 30_000,
    });
    // their tasks' secret files on /dev/shm: killed workers leave them there
    for (const n of await client().listNodes()) cleanup.trackTempDir(shmFilesRoot(n.id));
  });

  after(async () => {
    await cleanup.release();
    await etcd.stop();
  });

  test('one leads; each manager answers, and a follower passes a write on to the leader', async () => {
    const status = await client().clusterStatus();
    assert.equal(status.managers.length, 3, JSON.stringify(status));
    assert.equal(status.managers.filter((m) => m.leader).length, 1);
    const leader = await leaderIndex();
    const follower = urls[(leader + 1) % 3] as string;
    // the follower alone: it holds no token and places nothing, yet the calls succeed; the
    // secret is sealed by the leader, under the group's CA
    await client([follower]).createFile('secret', { name: 'group-pw', data: Buffer.from('group-value') });
    const task = await client([follower]).submit({
      name: 'via-follower',
      image: TEST_IMAGE,
      command: SLEEP,
      labels: cleanup.labels,
      secrets: [{ source: 'group-pw' }],
    });
    const running = await waitFor(
      async () => {
        const t = await client([follower]).getTask(task.id);
        return t.state === 'Running' ? t : undefined;
      },
      { what: 'the task submitted through a follower Running', timeoutMs: 30_000 },
    );
    assert.ok(running.node?.startsWith('gw-'), JSON.stringify(running));
    // a command in its container through the follower: the leader passes it to the worker, and
    // the output and exit code stream back through both
    const lines = [];
    for await (const line of await client([follower]).exec(task.id, { command: ['sh', '-c', 'echo one; exit 4'] }))
      lines.push(line);
    assert.deepEqual(lines, [{ stdout: 'one\n' }, { exitCode: 4 }]);
    assert.deepEqual(await catSecret(follower, task.id), [{ stdout: 'group-value' }, { exitCode: 0 }]);
    // an interactive one: its session's input goes through the follower too, in order
    const session = await client([follower]).exec(task.id, { command: ['cat'], stdin: true });
    const first = (await session.next()).value;
    assert.ok(first !== undefined && 'session' in first, JSON.stringify(first));
    for (const piece of ['via ', 'the ', 'follower\n'])
      await client([follower]).execInput(first.taskId, first.session, { data: Buffer.from(piece).toString('base64') });
    await client([follower]).execInput(first.taskId, first.session, { eof: true });
    const echoed = [];
    for await (const line of session) echoed.push(line);
    assert.deepEqual(echoed.at(-1), { exitCode: 0 });
    assert.equal(echoed.map((l) => ('stdout' in l ? l.stdout : '')).join(''), 'via the follower\n');
    // a manager join token that is not the group's opens nothing
    const bad = await spawnPoseidon(
      [
        'manager',
        '--port',
        '0',
        '--data-dir',
        await cleanup.tempDir('bad-join'),
        '--store',
        store,
        '--join-token',
        managerJoinToken.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
      ],
      { onSpawn: (p) => cleanup.trackProcess(p), listenTimeoutMs: START_TIMEOUT_MS },
    ).catch((err: unknown) => err);
    assert.ok(bad instanceof Error, 'a manager with a wrong join token must not start');
    assert.match(bad.message, /manager join token does not open this group's CA/);
  });

  test('the leader killed (kill -9): another leads and places new submissions; no worker is counted Down', async () => {
    const leader = await leaderIndex();
    // every node state any manager shows from the kill until both workers are Up with the new leader
    const seen = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        await client(urls, 5_000)
          .listNodes()
          .then((nodes) => nodes.forEach((n) => seen.add(`${n.name} ${n.state}`)))
          .catch(() => undefined); // no leader for a moment
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    // `poseidon events` given the group, as an operator watches a failover
    const events = spawn(process.execPath, [POSEIDON_BIN, 'events'], {
      env: { ...process.env, ...cliEnv(first), POSEIDON_MANAGER: urls.join(',') },
    });
    let out = '';
    let err = '';
    events.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    events.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    // and one through a follower first that has seen no event when the leader dies: the follower
    // passes the stream on (its caller once got a closed connection, and gave up naming the dead
    // leader)
    const viaFollower = [...urls.filter((_, i) => i !== leader), urls[leader] as string];
    let quiet: ReturnType<typeof spawn> | undefined;
    let quietOut = '';
    let quietErr = '';
    try {
      // its stream is live once it shows a task submitted now (the CLI takes a moment to connect)
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await client().submit({ name: 'before-kill', image: TEST_IMAGE, command: SLEEP, labels: cleanup.labels });
      await waitFor(() => / before-kill \(/.test(out), { what: `events live (stderr: ${err})` });
      quiet = spawn(process.execPath, [POSEIDON_BIN, 'events'], {
        env: { ...process.env, ...cliEnv(first), POSEIDON_MANAGER: viaFollower.join(',') },
      });
      quiet.stdout?.on('data', (d: Buffer) => (quietOut += d.toString('utf8')));
      quiet.stderr?.on('data', (d: Buffer) => (quietErr += d.toString('utf8')));
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // connected, with nothing to show
      await (members[leader] as Member).process.kill();
      // `run --wait` given the dead leader first: its submission and its event stream both find it
      // gone at once, and both go on to the others (they once sent each other back to it)
      const file = join(await cleanup.tempDir('group-run'), 'run-wait.json');
      await writeFile(
        file,
        JSON.stringify({ name: 'run-wait', image: TEST_IMAGE, command: SLEEP, labels: cleanup.labels }),
      );
      const deadFirst = [urls[leader] as string, ...urls.filter((_, i) => i !== leader)];
      const run = await runPoseidon(['run', file, '--wait'], {
        ...cliEnv(first),
        POSEIDON_MANAGER: deadFirst.join(','),
      });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, / Running on /);
      await submitRunning('after-kill', 'a submission after the kill Running');
      // the new leader opens the secret the old one sealed: a task placed now gets its value
      const sealed = await client().submit({
        name: 'secret-after-kill',
        image: TEST_IMAGE,
        command: SLEEP,
        labels: cleanup.labels,
        secrets: [{ source: 'group-pw' }],
      });
      await waitFor(async () => (await client().getTask(sealed.id)).state === 'Running', {
        what: 'a task with a secret after the kill Running',
        timeoutMs: 30_000,
      });
      assert.deepEqual(await catSecret(urls[(leader + 1) % 3] as string, sealed.id), [
        { stdout: 'group-value' },
        { exitCode: 0 },
      ]);
      // it followed the events again through the group: the new leader's are there
      for (const [what, text, errText] of [
        ['poseidon events', () => out, () => err],
        ['poseidon events via a follower', () => quietOut, () => quietErr],
      ] as const) {
        await waitFor(() => /task\.started +after-kill /.test(text()), {
          what: `${what} to show the new leader's events (stdout: ${text()}; stderr: ${errText()})`,
          timeoutMs: 30_000,
        });
      }
      assert.match(err, /the event stream ended \(a manager stopped, or the leader changed\); following again/);
      // followed again from the last event shown: what the new leader did before the CLI was back
      // is there too (run-wait went in while the stream was down or coming back), and once
      assert.equal(out.match(/task\.submitted +run-wait /g)?.length, 1, out);
      assert.equal(out.match(/task\.submitted +before-kill /g)?.length, 1, out);
      assert.equal(events.exitCode, null, 'still following');
      assert.equal(quiet.exitCode, null, 'still following, via a follower');
    } finally {
      events.kill('SIGINT');
      quiet?.kill('SIGINT');
    }
    await waitFor(async () => (await client().listNodes()).every((n) => n.state === 'Up'), {
      what: 'both workers Up with the new leader',
      timeoutMs: 30_000,
    });
    watching = false;
    await watch;
    assert.deepEqual(
      [...seen].filter((s) => s.endsWith(' Down')),
      [],
      `a failover must not count a live worker Down (seen: ${[...seen].join(', ')})`,
    );
    const now = await leaderIndex();
    assert.notEqual(now, leader);
    // the killed one's entry ran out with its lease; given all three, the CLI still shows it, unreachable
    const status = await runPoseidon(['cluster', 'status'], { ...cliEnv(first), POSEIDON_MANAGER: urls.join(',') });
    assert.equal(status.code, 0, status.stderr);
    const killed = (urls[leader] as string).replace(/[.]/g, '\\.');
    assert.match(status.stdout, new RegExp(`^- +${killed} +unreachable +- +-$`, 'm'), status.stdout);
    await restart(leader);
    await waitFor(async () => (await client().clusterStatus()).managers.length === 3, { what: 'three managers' });
  });

  test('a global service and a finished job: the next leader keeps both, and runs no slot of the job again', async () => {
    const task = (command: string[]) => ({ image: TEST_IMAGE, command, labels: cleanup.labels });
    await client().createService({ name: 'g-agent', mode: 'global', task: task(SLEEP) });
    await client().createService({ name: 'g-job', mode: 'replicated-job', replicas: 2, task: task(['true']) });
    await waitFor(
      async () => {
        const [agent, job] = await Promise.all([client().getService('g-agent'), client().getService('g-job')]);
        return agent.running === 2 && job.job?.state === 'complete';
      },
      { what: 'the global service on both workers, and the job done', timeoutMs: 60_000 },
    );
    const jobTasks = (await client().serviceTasks('g-job')).map((t) => t.id).sort();
    const leader = await leaderIndex();
    await (members[leader] as Member).process.kill();
    await waitFor(
      async () => {
        const status = await client(urls, 5_000).clusterStatus();
        return status.managers.some((m) => m.leader && m.url !== urls[leader]);
      },
      { what: 'another manager leads', timeoutMs: 30_000 },
    );
    // the new leader loaded both from etcd (a global service's record was once set aside there)
    const agent = await client().getService('g-agent');
    assert.deepEqual([agent.mode, agent.replicas], ['global', 2]);
    await waitFor(async () => ((await client().getService('g-agent')).running === 2 ? true : undefined), {
      what: 'the global service running on both workers under the new leader',
      timeoutMs: 30_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // passes of the new leader
    const job = await client().getService('g-job');
    assert.deepEqual([job.mode, job.job?.state, job.job?.completed], ['replicated-job', 'complete', 2]);
    assert.deepEqual((await client().serviceTasks('g-job')).map((t) => t.id).sort(), jobTasks, 'no slot ran again');
    await client().removeService('g-agent');
    await client().removeService('g-job');
    await restart(leader);
    await waitFor(async () => (await client().clusterStatus()).managers.length === 3, { what: 'three managers' });
  });

  test('the leader frozen (kill -STOP): another leads; thawed, the old one takes no write and exits', async () => {
    const leader = await leaderIndex();
    const frozen = (members[leader] as Member).process;
    process.kill(frozen.pid, 'SIGSTOP');
    try {
      // sent to the frozen leader alone: it sits in its socket until the leader thaws
      const late = client([urls[leader] as string], 60_000)
        .submit({ name: 'late-write', image: TEST_IMAGE, labels: cleanup.labels })
        .then(
          () => 'acknowledged',
          (err: unknown) => (err as { code?: string }).code ?? String(err),
        );
      await submitRunning('while-frozen', 'a submission while the old leader is frozen Running');
      process.kill(frozen.pid, 'SIGCONT');
      assert.notEqual(await late, 'acknowledged', 'a deposed leader must not acknowledge a write');
      await waitFor(() => !frozen.isAlive(), { what: 'the deposed leader exits', timeoutMs: 20_000 });
      assert.equal(frozen.exitCode, EXIT_DEPOSED, frozen.output.slice(-5).join('\n'));
      const names = (await client().listTasks()).map((t) => t.name);
      assert.ok(!names.includes('late-write'), 'the late write must not be stored');
    } finally {
      if (frozen.isAlive()) process.kill(frozen.pid, 'SIGCONT');
    }
    await restart(leader);
    await waitFor(async () => (await client().clusterStatus()).managers.length === 3, { what: 'three managers' });
  });

  test('a worker join token rotated through a follower holds on the next leader', async () => {
    const leader = await leaderIndex();
    const follower = urls[(leader + 1) % 3] as string;
    const old = first.joinToken;
    const rotated = (await client([follower]).rotateJoinToken()).token;
    assert.notEqual(rotated, old);
    await (members[leader] as Member).process.kill();
    await waitFor(async () => (await leaderIndex().catch(() => leader)) !== leader, {
      what: 'another manager leads',
      timeoutMs: 30_000,
    });
    const refused = await spawnWorker({ ...first, url: urls.join(',') }, workerArgs(`gw-old-${runId}`), {
      onSpawn: (p) => cleanup.trackProcess(p),
    }).catch((err: unknown) => err);
    assert.ok(refused instanceof Error, 'the old join token must not join through the next leader');
    assert.match(refused.message, /join token/i);
    const joined = `gw-new-${runId}`;
    cleanup.trackWorkerName(joined);
    const w = await spawnWorker({ ...first, url: urls.join(','), joinToken: rotated }, workerArgs(joined), {
      onSpawn: (p) => cleanup.trackProcess(p),
    });
    await waitFor(async () => (await client().listNodes()).some((n) => n.name === joined && n.state === 'Up'), {
      what: 'a worker joined with the rotated token Up',
      timeoutMs: 30_000,
    });
    await w.stop();
    await client().removeNode(joined, { dead: true });
    first = { ...first, joinToken: rotated };
    await restart(leader);
    await waitFor(async () => (await client().clusterStatus()).managers.length === 3, { what: 'three managers' });
  });

  test('ten leader kills under a load of submissions: every 201 is there, each task one container', async () => {
    const acknowledged: string[] = [];
    let loading = true;
    const load = async (n: number): Promise<void> => {
      for (let i = 0; loading; i += 1) {
        try {
          const t = await client(urls, 20_000).submit({
            name: `load-${n}-${i}`,
            image: TEST_IMAGE,
            command: SLEEP,
            cpu: 0.01,
            memory: '8Mi',
            labels: cleanup.labels,
          });
          acknowledged.push(t.id);
        } catch {
          // refused or not answered: not acknowledged, so nothing is owed
        }
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    };
    const loaders = [load(0), load(1)];
    try {
      for (let kill = 0; kill < 10; kill += 1) {
        const before = acknowledged.length;
        await waitFor(() => acknowledged.length > before, { what: 'a submission acknowledged', timeoutMs: 60_000 });
        const leader = await waitFor(() => leaderIndex().catch(() => undefined), { timeoutMs: 30_000 });
        await (members[leader] as Member).process.kill();
        await restart(leader);
      }
    } finally {
      loading = false; // a failed kill must not leave the load running (the test process would never exit)
      await Promise.all(loaders);
    }
    assert.ok(acknowledged.length >= 10, `only ${acknowledged.length} acknowledged`);
    const listed = new Map((await client().listTasks()).map((t) => [t.id, t]));
    for (const id of acknowledged) assert.ok(listed.has(id), `acknowledged task ${id} is missing`);
    await waitFor(
      async () => {
        const tasks = await client().listTasks();
        return acknowledged.every((id) => tasks.find((t) => t.id === id)?.state === 'Running');
      },
      { what: 'every acknowledged task Running', timeoutMs: 120_000 },
    );
    // exactly one container per task, as the engine sees it (stale copies are stopped as workers report)
    await waitFor(
      async () => {
        const containers = await docker.listContainers({ filters: { label: [`poseidon.test-run=${runId}`] } });
        const perTask = new Map<string, number>();
        for (const c of containers) {
          const id = c.Labels[LABEL_TASK_ID] ?? '';
          perTask.set(id, (perTask.get(id) ?? 0) + 1);
        }
        return acknowledged.every((id) => perTask.get(id) === 1);
      },
      { what: 'one running container per acknowledged task', timeoutMs: 60_000 },
    );
  });

  test('the leader cut off from etcd, its process alive: it acknowledges nothing and exits; another leads', async () => {
    // a fourth manager reaches etcd only through relays, and is made the leader: the others step down
    const relays = etcd.endpoints.map((e) => new Relay(new URL(e)));
    try {
      const via = await Promise.all(relays.map((r) => r.listen()));
      const cutStore = `etcd://${via.map((u) => new URL(u).host).join(',')}${PREFIX}`;
      const cutOff = await spawnPoseidon(
        [
          'manager',
          '--port',
          '0',
          '--data-dir',
          await cleanup.tempDir('cut'),
          '--store',
          cutStore,
          '--join-token',
          managerJoinToken,
        ],
        { onSpawn: (p) => cleanup.trackProcess(p), listenTimeoutMs: START_TIMEOUT_MS },
      );
      for (const m of members) await m.process.stop(); // SIGTERM: each steps down at once
      await waitFor(
        async () => (await client([cutOff.url]).clusterStatus()).managers.find((m) => m.leader)?.url === cutOff.url,
        { what: 'the manager behind the relays leads', timeoutMs: 30_000 },
      );
      for (let i = 0; i < members.length; i += 1) await restart(i);
      const placed = await client([...urls, cutOff.url]).submit({
        name: 'cut-leads',
        image: TEST_IMAGE,
        command: SLEEP,
        labels: cleanup.labels,
      });
      await waitFor(async () => (await client([...urls, cutOff.url]).getTask(placed.id)).state === 'Running', {
        what: 'a task placed by the manager behind the relays',
        timeoutMs: 30_000,
      });
      for (const r of relays) r.cut();
      const late = client([cutOff.url], 60_000)
        .submit({ name: 'cut-late', image: TEST_IMAGE, labels: cleanup.labels })
        .then(
          () => 'acknowledged',
          (err: unknown) => (err as { code?: string }).code ?? String(err),
        );
      const after = await client().submit({
        name: 'after-cut',
        image: TEST_IMAGE,
        command: SLEEP,
        labels: cleanup.labels,
      });
      await waitFor(async () => (await client().getTask(after.id)).state === 'Running', {
        what: 'a submission after the cut Running',
        timeoutMs: 40_000,
      });
      assert.notEqual(await late, 'acknowledged', 'a leader cut off from etcd must not acknowledge a write');
      await waitFor(() => !cutOff.isAlive(), { what: 'the cut-off leader exits', timeoutMs: 20_000 });
      assert.equal(cutOff.exitCode, EXIT_DEPOSED, cutOff.output.slice(-5).join('\n'));
      assert.ok(
        !(await client().listTasks()).some((t) => t.name === 'cut-late'),
        'the cut-off write must not be stored',
      );
    } finally {
      for (const r of relays) await r.close();
    }
  });

  test('one etcd member stopped: the group keeps placing', async () => {
    await etcd.stopMember(2);
    try {
      const task = await client().submit({
        name: 'member-down',
        image: TEST_IMAGE,
        command: SLEEP,
        labels: cleanup.labels,
      });
      await waitFor(async () => (await client().getTask(task.id)).state === 'Running', {
        what: 'a submission with one member down Running',
        timeoutMs: 30_000,
      });
    } finally {
      await etcd.startMember(2);
    }
  });
});
