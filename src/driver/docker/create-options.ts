import type Docker from 'dockerode';
import type { TaskRequest } from '../../task/index.js';
import { LABEL_GENERATION, LABEL_TASK_ID, LABEL_TASK_NAME, LABEL_WORKER } from '../labels.js';

export interface CreateContext {
  workerName: string;
  generation: number;
  /** Address published ports bind to on the host. */
  publishIp: string;
}

/** The Engine API's create body for a task: limits, ports, labels, an init process. */
export function createOptions(task: TaskRequest, ctx: CreateContext): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Docker.PortMap = {};
  for (const p of task.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    bindings[key] = [{ HostIp: ctx.publishIp, HostPort: p.hostPort === 0 ? '' : String(p.hostPort) }];
  }
  return {
    name: `poseidon-${task.name}-${task.id.slice(0, 8)}-${ctx.generation}`,
    Image: task.image,
    ...(task.command.length > 0 ? { Cmd: task.command } : {}),
    // who the container is, for the task itself: POSEIDON_GENERATION grows with every placement
    Env: [
      ...Object.entries(task.env).map(([k, v]) => `${k}=${v}`),
      `POSEIDON_TASK_ID=${task.id}`,
      `POSEIDON_TASK_NAME=${task.name}`,
      `POSEIDON_GENERATION=${ctx.generation}`,
    ],
    Labels: {
      ...task.labels,
      [LABEL_TASK_ID]: task.id,
      [LABEL_TASK_NAME]: task.name,
      [LABEL_WORKER]: ctx.workerName,
      [LABEL_GENERATION]: String(ctx.generation),
    },
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      ...(task.cpuCores > 0 ? { NanoCpus: Math.round(task.cpuCores * 1e9) } : {}),
      ...(task.memoryBytes > 0 ? { Memory: task.memoryBytes } : {}),
      // An init process as PID 1 forwards SIGTERM and reaps zombies: a plain `sleep` as PID 1
      // ignores SIGTERM and would make every stop wait out its whole grace period.
      Init: true,
      // Restarts are Poseidon's decision (restart policy, other nodes), never Docker's.
      RestartPolicy: { Name: 'no' },
    },
  };
}
