import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { ManagerClient } from '../../src/client/index.js';
import { RunCleanup } from '../../testkit/cleanup.js';
import { EtcdCluster } from '../../testkit/etcd-cluster.js';
import { adminClient, cliEnv, type ManagerAccess } from '../../testkit/manager-access.js';
import { runningCli, type RunningCli } from '../../testkit/running-cli.js';
import { spawnManager, spawnPoseidon, spawnWorker, type PoseidonProcess } from '../../testkit/spawner.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { newRunId, TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// Two managers on etcd and one real worker. `poseidon logs -f`, `exec` and `events` through the
// follower, which passes them on to the leader: when the follower stops (SIGTERM), `logs -f` given
// both managers follows the log again through the leader, no line twice; `exec` ends as it does
// through a manager that serves it itself, with one line saying the manager ended it, never
// `Error: aborted` and a stack, and `events` asks the follower again, quiet; the follower logs no
// error for streams it ended on purpose. Then,
// that follower started again, the leader is killed (SIGKILL) while `logs -f` reads through the
// follower: its stream is cut as the leader changes, and it follows on once the follower leads.

const START_TIMEOUT_MS = 60_000;
const PREFIX = `/poseidon-group-streams-${process.pid}`;
/** Pino's error level: a line at it or above is a failure in the server's log. */
const ERROR_LEVEL = 50;
/** A task's command: a numbered line every 200 ms. */
const COUNTING = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'];

/** The numbers of the lines `logs -f` printed so far. */
function ticksOf(r: RunningCli): number[] {
  return [...r.out().matchAll(/^tick (\d+)$/gm)].map((m) => Number(m[1]));
}

/** Lines from the first, each once, in order, none missed. */
function countedOnce(seen: readonly number[]): void {
  assert.deepEqual(
    seen,
    seen.map((_, i) => i + 1),
  );
}

/** What `logs -f` says on stderr when it follows a task's stream again through `url`. */
const followedAgain = (taskId: string, url: string): string =>
  `poseidon: the log stream of task ${taskId.slice(0, 8)} was cut (a manager stopped, or the leader changed); ` +
  `following again from the last line shown, through ${url}\n`;

describe('streams through a manager group when a manager stops or the leader changes', () => {
  const runId = newRunId();
  const cleanup = new RunCleanup(runId, new Docker(), { processes: 'kill' });
  let etcd: EtcdCluster;
  let first: ManagerAccess;
  const managers: PoseidonProcess[] = [];
  /** How each of `managers` was started (`--port 0`), to start it again on its port. */
  const argsOf: string[][] = [];

  const client = (urls: readonly string[]): ManagerClient => adminClient({ ...first, url: urls.join(',') }, 30_000);

  /** `poseidon ARGS` through `manager` (a list: the group), left running; stopped by pid at the end if running. */
  const cli = (manager: string, args: readonly string[]): RunningCli =>
    runningCli(args, { ...cliEnv(first), POSEIDON_MANAGER: manager }, (p) => cleanup.trackProcess(p));

  /** The event streams `url` serves (the follower's passed-on one is the leader's). */
  const subscribers = async (url: string): Promise<number> => {
    const res = await tlsFetch(`${url}/metrics`, { tls: { ca: first.caPem }, token: first.adminToken });
    return Number(/^poseidon_manager_event_subscribers (\d+)$/m.exec(res.text())?.[1] ?? 0);
  };

  before(async () => {
    etcd = await EtcdCluster.start(1);
    const store = `${etcd.storeUrl}${PREFIX}`;
    const dir = await cleanup.tempDir('poseidon-group-streams');
    const one = await spawnManager(join(dir, 'm0'), ['--store', store], {
      onSpawn: (p) => cleanup.trackProcess(p),
      listenTimeoutMs: START_TIMEOUT_MS,
    });
    first = one.access;
    managers.push(one.process);
    argsOf.push(['manager', '--port', '0', '--data-dir', join(dir, 'm0'), '--store', store]);
    const joinToken = readFileSync(join(dir, 'm0', 'manager-join-token'), 'utf8').trim();
    const args = ['manager', '--port', '0', '--data-dir', join(dir, 'm1'), '--store', store, '--join-token', joinToken];
    managers.push(
      await spawnPoseidon(args, { onSpawn: (p) => cleanup.trackProcess(p), listenTimeoutMs: START_TIMEOUT_MS }),
    );
    argsOf.push(args);
    const worker = `gs-${runId}`;
    cleanup.trackWorkerName(worker);
    await spawnWorker(
      { ...first, url: managers.map((m) => m.url).join(',') },
      ['--port', '0', '--name', worker, '--data-dir', join(dir, worker)],
      { onSpawn: (p) => cleanup.trackProcess(p) },
    );
    await waitFor(async () => (await client([first.url]).listNodes()).some((n) => n.state === 'Up'), {
      what: 'the worker Up',
      timeoutMs: 30_000,
    });
  });

  after(async () => {
    await cleanup.release();
    await etcd.stop();
  });

  test('a follower stops: logs -f goes on through the leader; exec and events end in one line', async () => {
    const status = await waitFor(
      async () => {
        const s = await client([first.url]).clusterStatus();
        return s.managers.length === 2 && s.managers.some((m) => m.leader) ? s : undefined;
      },
      { what: 'a leader and a follower', timeoutMs: 30_000 },
    );
    const follower = status.managers.find((m) => !m.leader)?.url as string;
    const stopping = managers.find((m) => m.url === follower) as PoseidonProcess;
    const task = await client([first.url]).submit({
      name: 'ticks',
      image: TEST_IMAGE,
      command: COUNTING,
      labels: cleanup.labels,
    });
    await waitFor(async () => (await client([first.url]).getTask(task.id)).state === 'Running', {
      what: 'the task Running',
      timeoutMs: 30_000,
    });

    const leader = status.managers.find((m) => m.leader)?.url as string;
    const logs = cli(`${follower},${leader}`, ['logs', '-f', task.id]);
    const ticks = (): number[] => ticksOf(logs);
    const exec = cli(follower, ['exec', task.id, 'sh', '-c', 'while :; do echo out; sleep 0.2; done']);
    const events = cli(follower, ['events']);
    await waitFor(() => ticks().length > 0, { what: `logs -f streams (stderr: ${logs.err()})` });
    await waitFor(() => exec.out().includes('out\n'), { what: `exec streams (stderr: ${exec.err()})` });
    // the event stream is open once the leader counts it among its subscribers
    await waitFor(async () => (await subscribers(leader)) >= 1, { what: `events open (stderr: ${events.err()})` });
    await client([first.url]).submit({ name: 'seen', image: TEST_IMAGE, labels: cleanup.labels });
    await waitFor(() => events.out().includes(' seen ('), { what: `events streams (stderr: ${events.err()})` });

    await stopping.stop();
    assert.equal(stopping.exitCode, 0, stopping.output.slice(-20).join('\n'));
    const ended = async (r: RunningCli, line: string): Promise<void> => {
      assert.equal(await r.exited, 1, r.err());
      assert.equal(r.err(), `poseidon: ${line}\n`);
    };
    // logs -f carries on through the leader, from the last line shown: each tick once, none missed
    const atStop = ticks().at(-1) ?? 0;
    await waitFor(() => (ticks().at(-1) ?? 0) >= atStop + 10, {
      what: `logs -f followed again (stderr: ${logs.err()})`,
      timeoutMs: 30_000,
    });
    countedOnce(ticks());
    assert.equal(logs.err(), followedAgain(task.id, leader));
    assert.equal(await logs.interrupt(), 0, 'Ctrl-C ends it quietly');
    await ended(exec, 'the manager ended the exec stream (it is stopping); the command may still run in the container');
    // events given the stopped follower alone asks it again (for up to a minute), saying nothing
    // until it is served again; Ctrl-C ends it quietly meanwhile
    assert.equal(events.err(), '', 'nothing said while no manager serves the events again');
    assert.equal(await events.interrupt(), 0, 'Ctrl-C ends events quietly while it asks again');
    const errors = stopping.output.filter(
      (l) => /^\{/.test(l) && (JSON.parse(l) as { level: number }).level >= ERROR_LEVEL,
    );
    assert.deepEqual(errors, [], 'the follower logged no error');
  });
  test('the leader killed: logs -f through the other manager goes on once it leads, each line once', async () => {
    // the follower stopped above starts again on its port and data dir, and follows the leader
    const i = managers.findIndex((m) => !m.isAlive());
    const port = new URL((managers[i] as PoseidonProcess).url).port;
    const args = (argsOf[i] as string[]).map((a, k, all) => (all[k - 1] === '--port' ? port : a));
    const back = await spawnPoseidon(args, {
      onSpawn: (p) => cleanup.trackProcess(p),
      listenTimeoutMs: START_TIMEOUT_MS,
    });
    managers[i] = back;
    const urls = managers.map((m) => m.url);
    const status = await waitFor(
      async () => {
        const s = await client(urls).clusterStatus();
        const leading = s.managers.find((m) => m.leader);
        return s.managers.length === 2 && leading !== undefined && leading.url !== back.url ? leading : undefined;
      },
      { what: 'the manager started again following the leader', timeoutMs: 30_000 },
    );
    const leader = managers.find((m) => m.url === status.url) as PoseidonProcess;
    const task = await client(urls).submit({
      name: 'counted',
      image: TEST_IMAGE,
      command: COUNTING,
      labels: cleanup.labels,
    });
    await waitFor(async () => (await client(urls).getTask(task.id)).state === 'Running', {
      what: 'the task Running',
      timeoutMs: 30_000,
    });
    const logs = cli(back.url, ['logs', '-f', task.id]);
    await waitFor(() => ticksOf(logs).length > 0, { what: `logs -f streams (stderr: ${logs.err()})` });

    await leader.kill();
    // the follower passed the stream on to the leader: cut off; it leads within seconds, and serves it again
    const atKill = ticksOf(logs).at(-1) ?? 0;
    await waitFor(() => (ticksOf(logs).at(-1) ?? 0) >= atKill + 10, {
      what: `logs -f followed again through the new leader (stderr: ${logs.err()})`,
      timeoutMs: 60_000,
    });
    countedOnce(ticksOf(logs));
    assert.equal(logs.err(), followedAgain(task.id, back.url));
    assert.equal(await logs.interrupt(), 0, 'Ctrl-C ends it quietly');
  });
});
