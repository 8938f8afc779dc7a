import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { LABEL_VOLUME, LABEL_WORKER, removeNetworksByLabel } from '../src/driver/index.js';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Put on every container a test or benchmark makes (as a task label), with the run's id as its
 * value: the run removes everything that carries it. Poseidon itself never reads it.
 */
export const LABEL_TEST_RUN = 'poseidon.test-run';

/** What a run can stop: a process it spawned (testkit/spawner.ts). */
export interface Stoppable {
  isAlive(): boolean;
  /** SIGTERM, then SIGKILL after a grace. */
  stop(): Promise<unknown>;
  /** SIGKILL. */
  kill(): Promise<void>;
}

export interface CleanupReport {
  processesStopped: number;
  containersRemoved: number;
  /** Containers still carrying the run's label afterwards; anything but 0 is a leak. */
  containersLeft: number;
  /** Named volumes its workers created (`poseidon.volume=true`, `poseidon.worker=<name>`), removed after the containers. */
  volumesRemoved: number;
  /** Docker networks carrying the run's label (a discovery test's own network), removed after the containers. */
  networksRemoved: number;
}

export interface RunCleanupOptions {
  /** `stop` (SIGTERM, then SIGKILL after a grace; the default) or `kill` (SIGKILL at once, as a test that is done does). */
  processes?: 'stop' | 'kill';
}

/**
 * Everything a test or benchmark run made, released at the end whatever happened: processes by
 * pid, containers by label (`poseidon.test-run=<runId>`, and `poseidon.worker=<name>` for each
 * worker it started, so a container a worker made without the run's label goes too), the named
 * volumes those workers created (by the same worker label), temp dirs.
 */
export class RunCleanup {
  readonly #processes = new Set<Stoppable>();
  readonly #workerNames = new Set<string>();
  readonly #tempDirs = new Set<string>();
  #releasing: Promise<CleanupReport> | undefined;

  constructor(
    readonly runId: string,
    private readonly docker: Docker,
    private readonly opts: RunCleanupOptions = {},
  ) {}

  /** The labels a task body carries so that its container is this run's. */
  get labels(): Record<string, string> {
    return { [LABEL_TEST_RUN]: this.runId };
  }

  trackProcess(p: Stoppable): void {
    this.#processes.add(p);
  }

  /** Containers labelled `poseidon.worker=<name>` are removed too. */
  trackWorkerName(name: string): void {
    this.#workerNames.add(name);
  }

  trackTempDir(path: string): void {
    this.#tempDirs.add(path);
  }

  /** A new temp dir (under the OS's), removed on release. */
  async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
    this.trackTempDir(dir);
    return dir;
  }

  /**
   * Stops processes first (a live worker could still create a container), then removes
   * containers, then temp dirs. Every step is tried; the first failure is thrown at the end.
   * Single-flight: a second call (a second Ctrl-C) shares the first one's work and report, so
   * two cleanups never race and count each other's removals as leftovers.
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
    const end = (p: Stoppable): Promise<unknown> => (this.opts.processes === 'kill' ? p.kill() : p.stop());
    await Promise.all(processes.map((p) => attempt(() => end(p), undefined)));
    this.#processes.clear();
    const labels = [`${LABEL_TEST_RUN}=${this.runId}`, ...[...this.#workerNames].map((n) => `${LABEL_WORKER}=${n}`)];
    // a worker's container carries both labels: collect ids first so each is removed (and counted) once
    const ids = new Set<string>();
    // a create a worker sent just before it was killed completes in the engine after: look again,
    // until two looks in a row find nothing new (with no process stopped, nothing is in flight). A
    // busy engine takes more than a second over a create: one empty look let one through in CI.
    const looks = processes.length === 0 ? 1 : CREATE_SETTLE_LOOKS;
    let empty = 0;
    for (let look = 0; look < looks; look++) {
      if (look > 0) await sleep(CREATE_SETTLE_MS);
      const found: string[] = [];
      for (const label of labels)
        for (const id of await attempt(() => containersByLabel(this.docker, label), []))
          if (!ids.has(id)) {
            ids.add(id);
            found.push(id);
          }
      await Promise.all(found.map((id) => attempt(() => removeForce(this.docker, id), undefined)));
      empty = found.length === 0 ? empty + 1 : 0;
      if (look > 0 && empty >= 2) break;
    }
    let volumesRemoved = 0;
    for (const name of this.#workerNames) {
      const volumes = await attempt(() => volumesByLabel(this.docker, `${LABEL_WORKER}=${name}`), []);
      for (const v of volumes) await attempt(() => removeVolume(this.docker, v), undefined);
      volumesRemoved += volumes.length;
    }
    // a discovery test's network (testkit/test-network.ts) carries the run's label; never the default one
    const networksRemoved = await attempt(
      () => removeNetworksByLabel(this.docker, `${LABEL_TEST_RUN}=${this.runId}`),
      0,
    );
    for (const dir of this.#tempDirs) await attempt(() => rm(dir, { recursive: true, force: true }), undefined);
    this.#tempDirs.clear();
    const left = await attempt(
      async () => (await containersByLabel(this.docker, `${LABEL_TEST_RUN}=${this.runId}`)).length,
      -1,
    );
    if (failures.length > 0) throw failures[0];
    return {
      processesStopped: processes.length,
      containersRemoved: ids.size,
      containersLeft: left,
      volumesRemoved,
      networksRemoved,
    };
  }
}

/** Ids of containers, running or not, carrying `key=value`. */
export async function containersByLabel(docker: Docker, label: string): Promise<string[]> {
  const found = await docker.listContainers({ all: true, filters: { label: [label] } });
  return found.map((c) => c.Id);
}

/** Force-removes every container carrying `key=value`, a few at a time. */
export async function removeByLabel(docker: Docker, label: string): Promise<void> {
  const ids = await containersByLabel(docker, label);
  let next = 0;
  const remover = async (): Promise<void> => {
    for (let id = ids[next++]; id !== undefined; id = ids[next++]) await removeForce(docker, id);
  };
  await Promise.all(Array.from({ length: Math.min(REMOVE_CONCURRENCY, ids.length) }, remover));
}

/** Containers removed at once by removeByLabel: a small engine removes many at once no faster. */
const REMOVE_CONCURRENCY = 8;
/** How often, and how far apart, a release looks again for containers whose create was in flight. */
const CREATE_SETTLE_LOOKS = 6;
const CREATE_SETTLE_MS = 500;

/** Force-removes one container; already gone (404) or already being removed (409) is success. */
export async function removeForce(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 404 && status !== 409) throw err;
  }
}

/** Names of the named volumes a Poseidon worker created that carry `key=value` too. */
export async function volumesByLabel(docker: Docker, label: string): Promise<string[]> {
  const found = await docker.listVolumes({ filters: { label: [`${LABEL_VOLUME}=true`, label] } });
  return (found.Volumes ?? []).map((v) => v.Name);
}

/** Removes one named volume; already gone (404) is success. */
export async function removeVolume(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}
