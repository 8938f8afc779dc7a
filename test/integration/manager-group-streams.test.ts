import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { ManagerClient } from '../../src/client/index.js';
import { RunCleanup, type Stoppable } from '../../testkit/cleanup.js';
import { EtcdCluster } from '../../testkit/etcd-cluster.js';
import { adminClient, cliEnv, type ManagerAccess } from '../../testkit/manager-access.js';
import { POSEIDON_BIN, spawnManager, spawnPoseidon, spawnWorker, type PoseidonProcess } from '../../testkit/spawner.js';
import { tlsFetch } from '../../testkit/tls-fetch.js';
import { newRunId, TEST_IMAGE } from './helpers/docker.js';
import { waitFor } from './helpers/wait-for.js';

// Two managers on etcd and one real worker. `poseidon logs -f`, `exec` and `events` through the
// follower, which passes them on to the leader: when the follower stops (SIGTERM), each ends as it
// does through a manager that serves it itself, with one line saying the manager ended it, never
// `Error: aborted` and a stack; the follower logs no error for streams it ended on purpose.

const START_TIMEOUT_MS = 60_000;
const PREFIX = `/poseidon-group-streams-${process.pid}`;
/** Pino's error level: a line at it or above is a failure in the server's log. */
const ERROR_LEVEL = 50;

/** A CLI command left running, as a user's is: what it printed so far, and its exit code once it ends. */
interface Running {
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

describe('a follower of a manager group ends the streams it passes on when it stops', () => {
  const runId = newRunId();
  const cleanup = new RunCleanup(runId, new Docker(), { processes: 'kill' });
  let etcd: EtcdCluster;
  let first: ManagerAccess;
  const managers: PoseidonProcess[] = [];

  const client = (urls: readonly string[]): ManagerClient => adminClient({ ...first, url: urls.join(',') }, 30_000);

  /** `poseidon ARGS` through `manager` only, left running; stopped by pid at the end if it is still running. */
  const cli = (manager: string, args: readonly string[]): Running => {
    const child = spawn(process.execPath, [POSEIDON_BIN, ...args], {
      env: { ...process.env, ...cliEnv(first), POSEIDON_MANAGER: manager },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const alive = (): boolean => child.exitCode === null && child.signalCode === null;
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    const kill = async (): Promise<void> => {
      if (alive()) child.kill('SIGKILL');
      await exited;
    };
    cleanup.trackProcess({ isAlive: alive, stop: kill, kill } satisfies Stoppable);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    return { out: () => out, err: () => err, exited };
  };

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

  test('logs -f, exec and events through a follower that stops each end in one line; no error logged', async () => {
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
      command: ['sh', '-c', 'while :; do echo tick; sleep 0.2; done'],
      labels: cleanup.labels,
    });
    await waitFor(async () => (await client([first.url]).getTask(task.id)).state === 'Running', {
      what: 'the task Running',
      timeoutMs: 30_000,
    });

    const logs = cli(follower, ['logs', '-f', task.id]);
    const exec = cli(follower, ['exec', task.id, 'sh', '-c', 'while :; do echo out; sleep 0.2; done']);
    const events = cli(follower, ['events']);
    await waitFor(() => logs.out().includes('tick\n'), { what: `logs -f streams (stderr: ${logs.err()})` });
    await waitFor(() => exec.out().includes('out\n'), { what: `exec streams (stderr: ${exec.err()})` });
    // the event stream is open once the leader counts it among its subscribers
    const leader = status.managers.find((m) => m.leader)?.url as string;
    await waitFor(async () => (await subscribers(leader)) >= 1, { what: `events open (stderr: ${events.err()})` });
    await client([first.url]).submit({ name: 'seen', image: TEST_IMAGE, labels: cleanup.labels });
    await waitFor(() => events.out().includes(' seen ('), { what: `events streams (stderr: ${events.err()})` });

    await stopping.stop();
    assert.equal(stopping.exitCode, 0, stopping.output.slice(-20).join('\n'));
    const ended = async (r: Running, line: string): Promise<void> => {
      assert.equal(await r.exited, 1, r.err());
      assert.equal(r.err(), `poseidon: ${line}\n`);
    };
    await ended(logs, 'the manager ended the log stream (it is stopping); run poseidon logs -f again');
    await ended(exec, 'the manager ended the exec stream (it is stopping); the command may still run in the container');
    await ended(events, 'the manager ended the event stream (it is stopping); run poseidon events again');
    const errors = stopping.output.filter(
      (l) => /^\{/.test(l) && (JSON.parse(l) as { level: number }).level >= ERROR_LEVEL,
    );
    assert.deepEqual(errors, [], 'the follower logged no error');
  });
});
