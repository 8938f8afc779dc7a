import { rm } from 'node:fs/promises';
import type Docker from 'dockerode';
import { LABEL_TEST_RUN, LABEL_WORKER } from '../src/driver/index.js';
import type { PoseidonProcess } from './processes.js';

export interface CleanupReport {
  processesStopped: number;
  containersRemoved: number;
  /** Containers still carrying the run's label afterwards; anything but 0 is a leak. */
  containersLeft: number;
}

/**
 * Everything a bench run made, released at the end whatever happened: processes by pid,
 * containers by label (`poseidon.test-run=<runId>`, and `poseidon.worker=<name>` for each
 * worker it spawned, so a task the worker started without our labels goes too), temp dirs.
 */
export class RunResources {
  readonly #processes = new Set<PoseidonProcess>();
  readonly #workerNames = new Set<string>();
  readonly #tempDirs = new Set<string>();

  constructor(
    readonly runId: string,
    private readonly docker: Docker,
  ) {}

  trackProcess(p: PoseidonProcess): void {
    this.#processes.add(p);
  }
  trackWorkerName(name: string): void {
    this.#workerNames.add(name);
  }
  trackTempDir(path: string): void {
    this.#tempDirs.add(path);
  }

  #releasing: Promise<CleanupReport> | undefined;

  /**
   * Stops processes first (a live worker could still create a container), then removes
   * containers, then temp dirs. Every step is tried; the first failure is thrown at the end.
   * Single-flight: a second call (a second Ctrl-C) shares the first one's work and report,
   * so two cleanups never race and count each other's removals as leftovers.
   */
  release(): Promise<CleanupReport> {
    this.#releasing ??= this.#release();
    return this.#releasing;
  }

  async #release(): Promise<CleanupReport> {
    const failures: unknown[] = [];
    const attempt = async <T>(fn: () => Promise<T>, fallback: T): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        failures.push(err);
        return fallback;
      }
    };
    const processes = [...this.#processes].filter((p) => p.isAlive());
    await Promise.all(processes.map((p) => attempt(() => p.stop(), undefined)));
    this.#processes.clear();
    const labels = [`${LABEL_TEST_RUN}=${this.runId}`, ...[...this.#workerNames].map((n) => `${LABEL_WORKER}=${n}`)];
    // a worker's container carries both labels: collect ids first so each is removed (and counted) once
    const ids = new Set<string>();
    for (const label of labels)
      for (const id of await attempt(() => containersByLabel(this.docker, label), [])) ids.add(id);
    await Promise.all([...ids].map((id) => attempt(() => removeForce(this.docker, id), undefined)));
    for (const dir of this.#tempDirs) await attempt(() => rm(dir, { recursive: true, force: true }), undefined);
    this.#tempDirs.clear();
    const left = await attempt(
      async () => (await containersByLabel(this.docker, `${LABEL_TEST_RUN}=${this.runId}`)).length,
      -1,
    );
    if (failures.length > 0) throw failures[0];
    return { processesStopped: processes.length, containersRemoved: ids.size, containersLeft: left };
  }
}

/** Ids of containers, running or not, carrying `key=value`. */
export async function containersByLabel(docker: Docker, label: string): Promise<string[]> {
  const found = await docker.listContainers({ all: true, filters: { label: [label] } });
  return found.map((c) => c.Id);
}

/** Force-removes one container; already gone (404) or already being removed (409) is success. */
export async function removeForce(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 404 && status !== 409) throw err;
  }
}
