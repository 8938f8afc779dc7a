import { fileURLToPath } from 'node:url';
import type { HeartbeatCounts } from './fake-worker.js';
import { spawnListening, type SpawnedProcess } from './spawner.js';

/** The entry file of a process of fake workers (this file runs as dist/testkit/fake-worker-fleet.js). */
export const FAKE_WORKER_PROCESS = fileURLToPath(new URL('./fake-worker-process.js', import.meta.url));

export interface FleetOptions {
  managerUrl: string;
  workers: number;
  /** Worker names are `<prefix>-000`, `<prefix>-001`, … */
  namePrefix: string;
  /** Gets the process before it is ready, so it can be tracked for cleanup. */
  onSpawn?(p: SpawnedProcess): void;
}

/**
 * Fake workers (testkit/fake-worker.ts, joined to a manager) in a process of their own, for a
 * benchmark that needs their load off its own process: what it measures there (latency seen by
 * its clients) is then not the workers' work. Started and stopped by pid (testkit/spawner.ts).
 */
export class FakeWorkerFleet {
  #read = 0;

  private constructor(
    readonly process: SpawnedProcess,
    readonly names: readonly string[],
  ) {}

  static async start(opts: FleetOptions): Promise<FakeWorkerFleet> {
    const args = ['--manager', opts.managerUrl, '--workers', String(opts.workers), '--name-prefix', opts.namePrefix];
    const p = await spawnListening(
      FAKE_WORKER_PROCESS,
      args,
      opts.onSpawn === undefined ? {} : { onSpawn: opts.onSpawn },
    );
    const names = Array.from({ length: opts.workers }, (_, i) => `${opts.namePrefix}-${String(i).padStart(3, '0')}`);
    return new FakeWorkerFleet(p, names);
  }

  /**
   * The tasks whose first dispatch reached one of the workers since the last call, each with
   * when (epoch ms, sub-millisecond: `performance.timeOrigin + performance.now()` there, so
   * comparable with the same sum in this process).
   */
  async dispatched(): Promise<Array<[string, number]>> {
    const fresh = await this.#get<Array<[string, number]>>(`/dispatched?after=${this.#read}`);
    this.#read += fresh.length;
    return fresh;
  }

  /** The workers' heartbeats so far, summed. */
  heartbeats(): Promise<HeartbeatCounts> {
    return this.#get('/heartbeats');
  }

  /** SIGTERM (the workers stop), SIGKILL after a grace. */
  stop(): Promise<void> {
    return this.process.stop();
  }

  async #get<T>(path: string): Promise<T> {
    const res = await fetch(new URL(path, this.process.url), { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`fake worker process answered ${res.status} to ${path}`);
    return (await res.json()) as T;
  }
}
