import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { ManagerTaskView } from '../../../src/api/index.js';
import type { ManagerClient } from '../../../src/client/index.js';
import { loadNodeCredentials } from '../../../src/pki/index.js';
import { shmFilesRoot } from '../../../src/worker/task-files.js';
import { RunCleanup, type Stoppable } from '../../../testkit/cleanup.js';
import { adminClient, cliEnv, joinEnv, type ManagerAccess } from '../../../testkit/manager-access.js';
import { runPoseidon, spawnManager, spawnPoseidon, type PoseidonProcess } from '../../../testkit/spawner.js';
import { newRunId, TEST_IMAGE } from './docker.js';
import { waitFor } from './wait-for.js';

/**
 * A manager and workers as separate OS processes on loopback, cleaned up by label and pid. They
 * are a cluster as a user makes one: the workers join with the manager's join token, everything
 * speaks mutual TLS, and the client and the CLI use the admin token and the cluster's CA.
 */
export class TestCluster {
  readonly runId = newRunId();
  readonly dir = mkdtempSync(join(tmpdir(), 'poseidon-cluster-test-'));
  manager!: PoseidonProcess;
  /** The manager's URL, CA, join token, admin token and certificate. */
  access!: ManagerAccess;
  /** The Manager API as an admin. */
  client!: ManagerClient;
  readonly workers = new Map<string, PoseidonProcess>();
  readonly #cleanup = new RunCleanup(this.runId, new Docker(), { processes: 'kill' });
  #managerArgs: string[] = [];

  constructor() {
    this.#cleanup.trackTempDir(this.dir);
  }

  async startManager(args: string[] = []): Promise<void> {
    this.#managerArgs = args;
    const started = await spawnManager(join(this.dir, 'manager'), args, {
      onSpawn: (p) => this.#cleanup.trackProcess(p),
    });
    this.manager = started.process;
    this.access = started.access;
    this.client = adminClient(this.access);
  }

  /**
   * Kills the manager (SIGKILL, a crash), or stops it (SIGTERM, as systemd does), and starts it
   * again on its port and data dir; with `args`, with those in place of the ones it had.
   */
  async restartManager(how: 'kill' | 'stop' = 'kill', args?: string[]): Promise<void> {
    await (how === 'kill' ? this.manager.kill() : this.manager.stop());
    if (args !== undefined) this.#managerArgs = args;
    const port = new URL(this.manager.url).port;
    this.manager = await this.#spawn([
      'manager',
      '--port',
      port,
      '--data-dir',
      join(this.dir, 'manager'),
      ...this.#managerArgs,
    ]);
  }

  /** Worker names carry the run id, so containers can be removed by `poseidon.worker` too. */
  workerName(short: string): string {
    return `${short}-${this.runId}`;
  }

  async startWorker(short: string, args: string[] = [], port = '0'): Promise<PoseidonProcess> {
    const name = this.workerName(short);
    this.#cleanup.trackWorkerName(name);
    const proc = await this.#spawn([
      'worker',
      '--port',
      port,
      '--name',
      name,
      '--data-dir',
      join(this.dir, name),
      '--manager',
      this.manager.url,
      '--stop-grace',
      '2',
      ...args,
    ]);
    this.workers.set(short, proc);
    await waitFor(async () => (await this.client.listNodes()).some((n) => n.name === name && n.state === 'Up'), {
      what: `${name} to join`,
    });
    // its tasks' secret files on /dev/shm: a worker killed while they run leaves them there
    this.#cleanup.trackTempDir(shmFilesRoot((await this.nodeCredentials(short)).nodeId));
    return proc;
  }

  /** The data dir of a worker it started. */
  workerDir(short: string): string {
    return join(this.dir, this.workerName(short));
  }

  /** A worker's node certificate and key (PEM) and node id, as its data dir holds them. */
  async nodeCredentials(short: string): Promise<{ nodeId: string; cert: string; key: string }> {
    const creds = await loadNodeCredentials(this.workerDir(short));
    if (creds === undefined) throw new Error(`worker ${short} holds no certificate`);
    return { nodeId: creds.info.nodeId, cert: creds.certPem, key: creds.keyPem };
  }

  /** A task body with the test-run label, so its container is cleaned up by label. */
  task(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { name, image: TEST_IMAGE, command: ['sleep', '600'], labels: this.#cleanup.labels, ...extra };
  }

  /** Submits `count` tasks named `<prefix>-0`, `<prefix>-1`, … one after another (roundrobin sees that order); returns their ids. */
  async submitMany(prefix: string, count: number, extra: Record<string, unknown> = {}): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await this.client.submit(this.task(`${prefix}-${i}`, extra))).id);
    return ids;
  }

  async allInState(ids: readonly string[], state: string, timeoutMs = 30_000): Promise<ManagerTaskView[]> {
    return waitFor(
      async () => {
        const tasks = await Promise.all(ids.map((id) => this.client.getTask(id)));
        return tasks.every((t) => t.state === state) ? tasks : undefined;
      },
      { timeoutMs, what: `${ids.length} tasks ${state}` },
    );
  }

  /** A task's output so far, as the logs API gives it without following. */
  async logText(id: string): Promise<string> {
    let text = '';
    for await (const chunk of await this.client.logs(id, { follow: false })) text += String(chunk);
    return text;
  }

  /** The admin token the manager wrote on its first start; the client and cli() send it. */
  get token(): string {
    return this.access.adminToken;
  }

  /**
   * The environment of a CLI run as an admin of this cluster: its URL, admin token and CA, and a
   * config home of its own (a test neither reads nor overwrites the user's saved credentials).
   */
  cliEnv(): NodeJS.ProcessEnv {
    return { ...cliEnv(this.access), XDG_CONFIG_HOME: join(this.dir, 'config') };
  }

  /** `poseidon ARGS` as an admin of this cluster (`input` its stdin, if given). */
  cli(args: string[], cwd?: string, input?: string | Buffer): ReturnType<typeof runPoseidon> {
    return runPoseidon(args, this.cliEnv(), cwd, input);
  }

  /** A process a test started beside the cluster's, stopped with them. */
  track(p: Stoppable): void {
    this.#cleanup.trackProcess(p);
  }

  /** Kills every process it started (by pid), removes its containers by label, and its temp dir. */
  async close(): Promise<void> {
    await this.#cleanup.release();
  }

  /** Workers join with the join token, from the environment (a secret stays off the process list). */
  #spawn(args: string[]): Promise<PoseidonProcess> {
    return spawnPoseidon(args, { onSpawn: (p) => this.#cleanup.trackProcess(p), env: joinEnv(this.access) });
  }
}

export function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return m;
}
