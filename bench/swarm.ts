import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { LABEL_TEST_RUN } from '../testkit/cleanup.js';
import { BenchError } from './bench-error.js';
import type { BenchContext } from './context.js';
import { dockerCli } from './docker-cli.js';
import { removeContainers } from './docker-engine.js';
import { wallClockMs } from './docker-events.js';

/** Swarm puts these on every task container. */
export const LABEL_SWARM_SERVICE_ID = 'com.docker.swarm.service.id';
export const LABEL_SWARM_SERVICE_NAME = 'com.docker.swarm.service.name';
const CLI_TIMEOUT_MS = 60_000;

/** The engine is in a swarm state the bench cannot work with (locked, joining, failed). */
class SwarmUnusable extends BenchError {}

/**
 * Swarm mode for a benchmark: joined as found, or initialized here on 127.0.0.1 (and then
 * left again by `leave()`, and only then). Services name the image by its ID with no
 * registry lookup: a tag makes Swarm ask a registry first, and none is reachable.
 */
export class SwarmSession {
  private constructor(
    private readonly ctx: BenchContext,
    /** This engine's swarm node id, checked again before leaving. */
    readonly nodeId: string,
    /** True when this run initialized the swarm; only then does leave() leave it. */
    readonly createdHere: boolean,
  ) {}

  static async join(ctx: BenchContext): Promise<SwarmSession> {
    const before = await swarmState(ctx.docker);
    if (before.state === 'active') {
      ctx.progress(`swarm: already active (node ${before.nodeId.slice(0, 12)}); using it and leaving it as found`);
      return new SwarmSession(ctx, before.nodeId, false);
    }
    if (before.state !== 'inactive')
      throw new SwarmUnusable(`the engine's swarm state is "${before.state}"; the bench needs it inactive or active`);
    const t0 = performance.now();
    // the swarm port on loopback only: nothing outside this machine joins a bench swarm
    await dockerCli(['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', '127.0.0.1:2377'], {
      signal: ctx.signal,
      timeoutMs: CLI_TIMEOUT_MS,
    });
    const after = await swarmState(ctx.docker);
    ctx.progress(
      `swarm: initialized on 127.0.0.1 in ${(performance.now() - t0).toFixed(0)} ms (node ${after.nodeId.slice(0, 12)}); left at the end`,
    );
    return new SwarmSession(ctx, after.nodeId, true);
  }

  /**
   * Removes the run's services (and their containers), then leaves the swarm if this run
   * made it and the engine is still that same node. Safe to call twice.
   */
  async leave(): Promise<void> {
    const { docker, runId } = this.ctx;
    const now = await swarmState(docker);
    if (now.state !== 'active') return;
    await removeRunServices(docker, runId);
    if (!this.createdHere || now.nodeId !== this.nodeId) return;
    // not the run's signal: leaving must happen after a Ctrl-C too
    await dockerCli(['swarm', 'leave', '--force'], { signal: new AbortController().signal, timeoutMs: CLI_TIMEOUT_MS });
    this.ctx.progress('swarm: left (this run had initialized it)');
  }
}

async function swarmState(docker: Docker): Promise<{ state: string; nodeId: string }> {
  const info: unknown = await docker.info();
  const swarm = (info as { Swarm?: { LocalNodeState?: string; NodeID?: string } }).Swarm;
  return { state: swarm?.LocalNodeState ?? 'unknown', nodeId: swarm?.NodeID ?? '' };
}

/** The image's ID (sha256:...), which Swarm services use instead of a tag. */
export async function imageId(docker: Docker, image: string): Promise<string> {
  return (await docker.getImage(image).inspect()).Id;
}

export interface ServiceOptions {
  name: string;
  imageId: string;
  args: readonly string[];
  replicas: number;
  /** Labels for the service and for each of its containers (the run's label among them). */
  labels: Readonly<Record<string, string>>;
  restart?: { condition: 'none' | 'on-failure' | 'any'; delayNs: number; maxAttempts: number };
}

/** The Engine API's service body: what `docker service create --no-resolve-image` sends. */
export function serviceSpec(o: ServiceOptions): Docker.CreateServiceOptions {
  return {
    Name: o.name,
    Labels: { ...o.labels },
    TaskTemplate: {
      ContainerSpec: { Image: o.imageId, Args: [...o.args], Labels: { ...o.labels } },
      ...(o.restart === undefined
        ? {}
        : {
            RestartPolicy: {
              Condition: o.restart.condition,
              Delay: o.restart.delayNs,
              MaxAttempts: o.restart.maxAttempts,
            },
          }),
    },
    Mode: { Replicated: { Replicas: o.replicas } },
  };
}

/** The same service as a person types it: `docker service create ... IMAGE ARGS`. */
export function serviceCreateArgs(o: ServiceOptions, detach: boolean): string[] {
  const args = [
    'service',
    'create',
    `--detach=${detach}`,
    '--no-resolve-image',
    '--name',
    o.name,
    '--replicas',
    String(o.replicas),
  ];
  for (const [k, v] of Object.entries(o.labels)) args.push('--label', `${k}=${v}`, '--container-label', `${k}=${v}`);
  if (o.restart !== undefined) {
    args.push(
      '--restart-condition',
      o.restart.condition,
      '--restart-delay',
      `${o.restart.delayNs / 1e6}ms`,
      '--restart-max-attempts',
      String(o.restart.maxAttempts),
    );
  }
  return [...args, o.imageId, ...o.args];
}

/** POST /services/create; resolves with the service id. */
export async function createService(docker: Docker, o: ServiceOptions, signal: AbortSignal): Promise<string> {
  const service = await docker.createService({ ...serviceSpec(o), abortSignal: signal });
  return service.id;
}

/** A task of a service, as GET /tasks lists it (only the fields read here). */
interface TaskView {
  ID?: string;
  Status?: { State?: string; ContainerStatus?: { ContainerID?: string } };
}

export interface RunningTasks {
  /** Wall-clock ms when the poll first saw all `count` tasks running. */
  allRunningAtMs: number;
  /** Wall-clock ms when each task was first seen running, in the order seen. */
  taskRunningAtMs: number[];
  containerIds: string[];
}

/**
 * Polls GET /tasks?service=ID every `pollMs` until `count` tasks are running (Swarm has no task
 * events to follow). A measurement made this way carries up to one interval of poll delay.
 */
export async function waitForRunningTasks(
  docker: Docker,
  serviceId: string,
  count: number,
  opts: { pollMs: number; timeoutMs: number; signal: AbortSignal },
): Promise<RunningTasks> {
  const firstSeen = new Map<string, { atMs: number; containerId: string }>();
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    const listed: unknown[] = await docker.listTasks({ filters: { service: [serviceId] }, abortSignal: opts.signal });
    const atMs = wallClockMs();
    for (const raw of listed) {
      const t = raw as TaskView;
      if (t.ID === undefined || t.Status?.State !== 'running' || firstSeen.has(t.ID)) continue;
      firstSeen.set(t.ID, { atMs, containerId: t.Status.ContainerStatus?.ContainerID ?? '' });
    }
    if (firstSeen.size >= count) {
      const seen = [...firstSeen.values()].sort((a, b) => a.atMs - b.atMs);
      return {
        allRunningAtMs: atMs,
        taskRunningAtMs: seen.map((s) => s.atMs),
        containerIds: seen.map((s) => s.containerId),
      };
    }
    if (performance.now() > deadline)
      throw new BenchError(
        `service ${serviceId}: ${firstSeen.size} of ${count} tasks running after ${opts.timeoutMs} ms`,
      );
    await sleep(opts.pollMs, undefined, { signal: opts.signal });
  }
}

/**
 * Untimed: removes the service, then its containers straight away (a Swarm task's `sleep`
 * ignores SIGTERM, so waiting for Swarm's own shutdown costs its whole stop grace per rep),
 * and waits until none is left.
 */
export async function removeService(docker: Docker, serviceId: string): Promise<void> {
  try {
    await docker.getService(serviceId).remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  const deadline = performance.now() + 60_000;
  for (;;) {
    const found = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_SWARM_SERVICE_ID}=${serviceId}`] },
    });
    if (found.length === 0) return;
    if (performance.now() > deadline)
      throw new BenchError(
        `service ${serviceId}: ${found.length} container(s) still there a minute after it was removed`,
      );
    await removeContainers(
      docker,
      found.map((c) => c.Id),
    );
  }
}

/** Every service carrying the run's label, with its containers. */
export async function removeRunServices(docker: Docker, runId: string): Promise<void> {
  const services = await docker.listServices({ filters: { label: [`${LABEL_TEST_RUN}=${runId}`] } });
  for (const s of services) if (s.ID !== undefined) await removeService(docker, s.ID);
}

/** The id of the one container of a service with a single running task (for engine events). */
export async function serviceContainerId(docker: Docker, serviceName: string): Promise<string> {
  const found = await docker.listContainers({ filters: { label: [`${LABEL_SWARM_SERVICE_NAME}=${serviceName}`] } });
  const id = found[0]?.Id;
  if (id === undefined) throw new BenchError(`service ${serviceName} has no running container`);
  return id;
}
