import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { WorkerTaskView } from '../../../src/api/index.js';
import { WorkerClient } from '../../../src/client/index.js';
import { RunCleanup } from '../../../testkit/cleanup.js';
import { spawnPoseidon, type PoseidonProcess } from '../../../testkit/spawner.js';
import { newRunId, TEST_IMAGE } from './docker.js';
import { waitFor } from './wait-for.js';

/** One worker with no manager, as an OS process on loopback, cleaned up by label and pid. */
export class TestWorker {
  readonly runId = newRunId();
  /** Carries the run id, so containers can be removed by `poseidon.worker` too. */
  readonly name = `w-${this.runId}`;
  readonly dataDir = mkdtempSync(join(tmpdir(), 'poseidon-worker-test-'));
  proc!: PoseidonProcess;
  client!: WorkerClient;
  readonly #cleanup = new RunCleanup(this.runId, new Docker(), { processes: 'kill' });

  constructor() {
    this.#cleanup.trackTempDir(this.dataDir);
    this.#cleanup.trackWorkerName(this.name);
  }

  /** Starts the worker; called again after `proc.kill()`, it restarts on the same data dir. */
  async start(): Promise<void> {
    this.proc = await spawnPoseidon(
      ['worker', '--port', '0', '--name', this.name, '--data-dir', this.dataDir, '--stop-grace', '5'],
      { onSpawn: (p) => this.#cleanup.trackProcess(p) },
    );
    this.client = new WorkerClient(this.proc.url);
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
