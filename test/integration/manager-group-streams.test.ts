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
// both managers follows the log again through the leader, no line twice; the others end as it
// does through a manager that serves it itself, with one line saying the manager ended it, never
// `Error: aborted` and a stack; the follower logs no error for streams it ended on purpose.

const START_TIMEOUT_MS = 60_000;
const PREFIX = `/poseidon-group-streams-${process.pid}`;
/** Pino's error level: a line at it or above is a failure in the server's log. */
const ERROR_LEVEL = 50;

describe('a follower of a manager group ends the streams it passes on when it stops', () => {
  const runId = newRunId();
  const cleanup = new RunCleanup(runId, new Docker(), { processes: 'kill' });
  let etcd: EtcdCluster;
  let first: ManagerAccess;
  const managers: PoseidonProcess[] = [];

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
    const joinToken = readFileSync(join(dir, 'm0', 'manager-join-token'), 'utf8').trim();
    const args = ['manager', '--port', '0', '--data-dir', join(dir, 'm1'), '--store', store, '--join-token', joinToken];
    managers.push(
      await spawnPoseidon(args, { onSpawn: (p) => cleanup.trackProcess(p), listenTimeoutMs: START_TIMEOUT_MS }),
    );
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
      command: ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'],
      labels: cleanup.labels,
    });
    await waitFor(async () => (await client([first.url]).getTask(task.id)).state === 'Running', {
      what: 'the task Running',
      timeoutMs: 30_000,
    });

    const leader = status.managers.find((m) => m.leader)?.url as string;
    const logs = cli(`${follower},${leader}`, ['logs', '-f', task.id]);
    const ticks = (): number[] => [...logs.out().matchAll(/^tick (\d+)$/gm)].map((m) => Number(m[1]));
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
    const seen = ticks();
    assert.deepEqual(
      seen,
      seen.map((_, i) => (seen[0] as number) + i),
    );
    assert.equal(
      logs.err(),
      `poseidon: the log stream of task ${task.id.slice(0, 8)} was cut (a manager stopped, or the leader changed); ` +
        `following again from the last line shown, through ${leader}\n`,
    );
    assert.equal(await logs.interrupt(), 0, 'Ctrl-C ends it quietly');
    await ended(exec, 'the manager ended the exec stream (it is stopping); the command may still run in the container');
    await ended(events, 'the manager ended the event stream (it is stopping); run poseidon events again');
    const errors = stopping.output.filter(
      (l) => /^\{/.test(l) && (JSON.parse(l) as { level: number }).level >= ERROR_LEVEL,
    );
    assert.deepEqual(errors, [], 'the follower logged no error');
  });
});
