import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { ManagerTaskView } from '../../../src/api/index.js';
import { ManagerClient } from '../../../src/client/index.js';
import { RunCleanup } from '../../../testkit/cleanup.js';
import { runPoseidon, spawnPoseidon, type PoseidonProcess } from '../../../testkit/spawner.js';
import { newRunId, TEST_IMAGE } from './docker.js';
import { waitFor } from './wait-for.js';

/** A manager and workers as separate OS processes on loopback, cleaned up by label and pid. */
export class TestCluster {
  readonly runId = newRunId();
  readonly dir = mkdtempSync(join(tmpdir(), 'poseidon-cluster-test-'));
  manager!: PoseidonProcess;
  client!: ManagerClient;
  readonly workers = new Map<string, PoseidonProcess>();
  readonly #cleanup = new RunCleanup(this.runId, new Docker(), { processes: 'kill' });
  #managerArgs: string[] = [];

  constructor() {
    this.#cleanup.trackTempDir(this.dir);
  }

  async startManager(args: string[] = []): Promise<void> {
    this.#managerArgs = args;
    this.manager = await this.#spawn(['manager', '--port', '0', '--data-dir', join(this.dir, 'manager'), ...args]);
    this.client = new ManagerClient(this.manager.url);
  }

  async restartManager(): Promise<void> {
    await this.manager.kill();
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
    return proc;
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

  cli(args: string[]): ReturnType<typeof runPoseidon> {
    return runPoseidon(args, { POSEIDON_MANAGER: this.manager.url });
  }

  /** Kills every process it started (by pid), removes its containers by label, and its temp dir. */
  async close(): Promise<void> {
    await this.#cleanup.release();
  }

  #spawn(args: string[]): Promise<PoseidonProcess> {
    return spawnPoseidon(args, { onSpawn: (p) => this.#cleanup.trackProcess(p) });
  }
}

export function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return m;
}
