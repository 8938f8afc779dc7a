import type Docker from 'dockerode';
import { LABEL_TEST_RUN } from '../testkit/cleanup.js';
import { LABEL_BENCH_SAMPLE } from './cluster-processes.js';
import type { BenchContext } from './context.js';
import { removeService } from './swarm.js';
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

// Swarm's side: the Engine API's /services, as `docker service create|scale|update` send it (the
// image by ID, nothing resolved from a registry), with the same health check and rollout settings
// as Poseidon's side and `failure_action: rollback`.

const NS_PER_MS = 1e6;

/** A task as GET /tasks lists it (the fields read here). */
interface SwarmTask {
  Slot?: number;
  DesiredState?: string;
  Status?: { State?: string };
}

export class SwarmServiceSide implements ServiceSide {
  readonly metric = 'swarm.api';
  #id: string | undefined;

  constructor(
    private readonly ctx: BenchContext,
    private readonly imageId: string,
  ) {}

  async create(name: string, replicas: number, sample: string, healthChecked: boolean): Promise<void> {
    const labels = { [LABEL_TEST_RUN]: this.ctx.runId, [LABEL_BENCH_SAMPLE]: sample };
    const service = await this.ctx.docker.createService({
      Name: name,
      Labels: labels,
      TaskTemplate: { ContainerSpec: this.#container(labels, [...COMMAND], healthChecked) },
      Mode: { Replicated: { Replicas: replicas } },
      UpdateConfig: this.#rollout('rollback'),
      RollbackConfig: this.#rollout('pause'),
      abortSignal: this.ctx.signal,
    });
    this.#id = service.id;
  }

  #container(labels: Record<string, string>, args: string[], healthChecked: boolean): Docker.ContainerSpec {
    const spec: Docker.ContainerSpec = { Image: this.imageId, Args: args, Labels: labels, Env: [`${VERSION_VAR}=1`] };
    if (healthChecked) {
      spec.HealthCheck = {
        Test: ['CMD', ...HEALTH.command],
        Interval: HEALTH.intervalMs * NS_PER_MS,
        Timeout: HEALTH.timeoutMs * NS_PER_MS,
        Retries: HEALTH.retries,
        StartPeriod: 0,
      };
    }
    return spec;
  }

  #rollout(failureAction: 'rollback' | 'pause'): Docker.UpdateConfig {
    return {
      Parallelism: ROLLOUT.parallelism,
      Delay: ROLLOUT.delayMs * NS_PER_MS,
      FailureAction: failureAction,
      Monitor: ROLLOUT.monitorMs * NS_PER_MS,
      MaxFailureRatio: ROLLOUT.maxFailureRatio,
      Order: ROLLOUT.order,
    };
  }

  #service(): Docker.Service {
    if (this.#id === undefined) throw new Error('no service created');
    return this.ctx.docker.getService(this.#id);
  }

  /** POST /services/{id}/update with the current spec changed by `change`, as the CLI sends it. */
  async #updateSpec(change: (spec: Docker.ServiceSpec) => void): Promise<void> {
    const service = this.#service();
    const info = await service.inspect();
    const spec = structuredClone(info.Spec as Docker.ServiceSpec);
    change(spec);
    await service.update({ version: info.Version?.Index, ...spec, abortSignal: this.ctx.signal });
  }

  scale(replicas: number): Promise<void> {
    return this.#updateSpec((spec) => {
      spec.Mode = { Replicated: { Replicas: replicas } };
    });
  }

  update(kind: 'good' | 'bad'): Promise<void> {
    return this.#updateSpec((spec) => {
      const c = (spec.TaskTemplate as { ContainerSpec?: Docker.ContainerSpec } | undefined)?.ContainerSpec;
      if (c === undefined) throw new Error('service has no container spec');
      if (kind === 'good') c.Env = [`${VERSION_VAR}=2`];
      else c.Args = [...BAD_COMMAND];
    });
  }

  async observe(): Promise<ServiceObservation> {
    const service = this.#service();
    const [info, tasks] = await Promise.all([
      service.inspect(),
      this.ctx.docker.listTasks({ filters: { service: [this.#id ?? ''] }, abortSignal: this.ctx.signal }),
    ]);
    const slots = new Set<number>();
    for (const raw of tasks as SwarmTask[])
      if (raw.Status?.State === 'running' && raw.Slot !== undefined) slots.add(raw.Slot);
    const state = (info as { UpdateStatus?: { State?: string } }).UpdateStatus?.State;
    return { healthy: slots.size, rollout: rolloutOf(state), detail: state ?? 'none' };
  }

  async remove(): Promise<void> {
    if (this.#id !== undefined) await removeService(this.ctx.docker, this.#id);
    this.#id = undefined;
  }
}

function rolloutOf(state: string | undefined): RolloutState {
  switch (state) {
    case undefined:
      return 'none';
    case 'completed':
      return 'completed';
    case 'rollback_completed':
      return 'rolled_back';
    case 'paused':
    case 'rollback_paused':
      return 'paused';
    case 'rollback_started':
      return 'rolling_back';
    default:
      return 'updating';
  }
}
