import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { WorkerTaskView } from '../../../src/api/index.js';
import { WorkerClient } from '../../../src/client/index.js';
import { RunCleanup } from '../../../testkit/cleanup.js';
import { asManager, type ManagerAccess } from '../../../testkit/manager-access.js';
import { spawnManager, spawnWorker, type PoseidonProcess } from '../../../testkit/spawner.js';
import { newRunId, TEST_IMAGE } from './docker.js';
import { waitFor } from './wait-for.js';

/**
 * One worker the test drives directly, as an OS process on loopback, cleaned up by label and pid.
 * A worker answers only its cluster's manager, so a manager is started too: the worker joins it
 * with the join token but does not register (`--no-register`, as a worker the manager polls), and
 * the test calls the worker with the manager's certificate, as the manager would.
 */
export class TestWorker {
  readonly runId = newRunId();
  /** Carries the run id, so containers can be removed by `poseidon.worker` too. */
  readonly name = `w-${this.runId}`;
  readonly dataDir = mkdtempSync(join(tmpdir(), 'poseidon-worker-test-'));
  readonly managerDir = mkdtempSync(join(tmpdir(), 'poseidon-worker-test-manager-'));
  proc!: PoseidonProcess;
  /** The Worker API with the manager's certificate. */
  client!: WorkerClient;
  /** The manager it joined: its CA, join token and certificate. */
  manager!: ManagerAccess;
  readonly #cleanup = new RunCleanup(this.runId, new Docker(), { processes: 'kill' });

  constructor() {
    this.#cleanup.trackTempDir(this.dataDir);
    this.#cleanup.trackTempDir(this.managerDir);
    this.#cleanup.trackWorkerName(this.name);
  }

  /** Starts the worker; called again after `proc.kill()`, it restarts on the same data dir. */
  async start(): Promise<void> {
    const onSpawn = (p: PoseidonProcess): void => this.#cleanup.trackProcess(p);
    this.manager ??= (await spawnManager(this.managerDir, [], { onSpawn })).access;
    this.proc = await spawnWorker(
      this.manager,
      ['--no-register', '--port', '0', '--name', this.name, '--data-dir', this.dataDir, '--stop-grace', '5'],
      { onSpawn },
    );
    this.client = new WorkerClient(this.proc.url, 10_000, { tls: asManager(this.manager) });
  }

  /** A task body with the test-run label, so its container is cleaned up by label. */
  spec(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { name, image: TEST_IMAGE, labels: this.#cleanup.labels, ...extra };
  }

  /** Waits until the worker reports task `id` so that `ok` holds; `what` names the wait in the timeout error. */
  async taskUntil(id: string, what: string, ok: (t: WorkerTaskView) => boolean): Promise<WorkerTaskView> {
    return waitFor(
      async () => {
        const t = await this.client.getTask(id);
        return ok(t) ? t : undefined;
      },
      { what: `task ${id} ${what}` },
    );
  }

  taskIn(id: string, ...states: string[]): Promise<WorkerTaskView> {
    return this.taskUntil(id, `in ${states.join('|')}`, (t) => states.includes(t.state));
  }

  /** Kills the worker (by pid), removes its containers by label, and its data dir. */
  async close(): Promise<void> {
    await this.#cleanup.release();
  }
}
