import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceSpec } from '../src/api/index.js';
import type { ManagerClient } from '../src/client/index.js';
import { containersByLabel, LABEL_TEST_RUN } from '../testkit/cleanup.js';
import { BenchError } from './bench-error.js';
import { LABEL_BENCH_SAMPLE, startCluster } from './cluster-processes.js';
import type { BenchContext } from './context.js';
import { BENCH_IMAGE, removeContainers } from './docker-engine.js';
import {
  BAD_COMMAND,
  COMMAND,
  HEALTH,
  ROLLOUT,
  VERSION_VAR,
  type RolloutState,
  type ServiceObservation,
  type ServiceSide,
} from './service-sides.js';

// Poseidon's side: a manager and one worker as separate processes, reached as a user must (the
// cluster's CA, the admin token; the worker joined with the join token), through the Manager
// API's /services routes. Workers stop with a 1 s grace, as Swarm's tasks here: busybox `sleep`
// ignores SIGTERM, so every stop waits the whole grace on both sides.

const REMOVE_DEADLINE_MS = 60_000;

class PoseidonServiceSide implements ServiceSide {
  readonly metric = 'poseidon.manager+worker';
  #spec: ServiceSpec | undefined;
  #sample = '';
  /** The version the service had before the timed request: rollouts up to it are not this sample's. */
  #baseVersion = 0;

  constructor(
    private readonly ctx: BenchContext,
    private readonly api: ManagerClient,
  ) {}

  async create(name: string, replicas: number, sample: string, healthChecked: boolean): Promise<void> {
    const rollout = {
      parallelism: ROLLOUT.parallelism,
      delay: ROLLOUT.delayMs,
      order: ROLLOUT.order,
      monitor: ROLLOUT.monitorMs,
      maxFailureRatio: ROLLOUT.maxFailureRatio,
    };
    this.#sample = sample;
    this.#spec = {
      name,
      replicas,
      labels: { [LABEL_TEST_RUN]: this.ctx.runId },
      task: {
        image: BENCH_IMAGE,
        command: [...COMMAND],
        env: { [VERSION_VAR]: '1' },
        labels: { [LABEL_TEST_RUN]: this.ctx.runId, [LABEL_BENCH_SAMPLE]: sample },
        ...(healthChecked
          ? {
              healthCheck: {
                type: 'exec' as const,
                command: [...HEALTH.command],
                interval: HEALTH.intervalMs,
                timeout: HEALTH.timeoutMs,
                failureThreshold: HEALTH.retries,
              },
            }
          : {}),
      },
      update: { ...rollout, failureAction: 'rollback' },
      rollback: { ...rollout, failureAction: 'pause' },
    };
    this.#baseVersion = (await this.api.createService(this.#spec)).version;
  }

  #current(): ServiceSpec {
    if (this.#spec === undefined) throw new Error('no service created');
    return this.#spec;
  }

  async scale(replicas: number): Promise<void> {
    await this.api.scaleService(this.#current().name, replicas);
  }

  async update(kind: 'good' | 'bad'): Promise<void> {
    const spec = structuredClone(this.#current());
    if (kind === 'good') spec.task.env = { [VERSION_VAR]: '2' };
    else spec.task.command = [...BAD_COMMAND];
    await this.api.updateService(spec.name, spec);
  }

  async observe(): Promise<ServiceObservation> {
    const view = await this.api.getService(this.#current().name);
    const u = view.update;
    // a rollout that ends at or before the base version (the service's creation) is not this sample's
    const mine = u !== null && Math.max(u.fromVersion, u.toVersion) > this.#baseVersion;
    // a rollback that paused is a pause in the words both sides share, as Swarm's is (service-swarm.ts)
    const rollout: RolloutState = u === null || !mine ? 'none' : u.state === 'rollback_paused' ? 'paused' : u.state;
    return { healthy: view.healthy, rollout, detail: u === null ? 'none' : `${u.state}: ${u.reason}` };
  }

  /**
   * DELETE, then wait until the worker has stopped the sample's containers (with a 1 s grace);
   * what is left, exited containers of failed tasks among them, is removed by label.
   */
  async remove(): Promise<void> {
    if (this.#spec === undefined) return;
    await this.api.removeService(this.#spec.name);
    this.#spec = undefined;
    const label = `${LABEL_BENCH_SAMPLE}=${this.#sample}`;
    const deadline = performance.now() + REMOVE_DEADLINE_MS;
    for (;;) {
      const running = await this.ctx.docker.listContainers({ filters: { label: [label] } });
      if (running.length === 0) break;
      if (performance.now() > deadline)
        throw new BenchError(
          `${running.length} container(s) of a removed service still running after ${REMOVE_DEADLINE_MS} ms`,
        );
      await sleep(100, undefined, { signal: this.ctx.signal });
    }
    await removeContainers(this.ctx.docker, await containersByLabel(this.ctx.docker, label));
  }
}

/** A manager and one worker; `stop()` stops both (safe to call twice). */
export async function startPoseidonSide(ctx: BenchContext): Promise<{ side: ServiceSide; stop(): Promise<void> }> {
  const cluster = await startCluster(ctx, { tag: 'service', workers: 1, workerArgs: ['--stop-grace', '1'] });
  return { side: new PoseidonServiceSide(ctx, cluster.client), stop: () => cluster.stop() };
}
