import type Docker from 'dockerode';
import { STACK_LABEL } from '../../api/index.js';
import { DNS_ZONE } from '../../discovery/defaults.js';
import { DEFAULT_LOG_FILES, DEFAULT_LOG_SIZE_BYTES, DEFAULT_PIDS_LIMIT, type TaskRequest } from '../../task/index.js';
import { LABEL_GENERATION, LABEL_TASK_ID, LABEL_TASK_NAME, LABEL_WORKER } from '../labels.js';
import type { FileBind } from '../types.js';
import type { NetworkInfo } from './network.js';
import { mountsOf } from './volumes.js';
import { ContainerStartFailed } from '../errors.js';
import { publishAddress } from '../../task/host-ip.js';

export interface CreateContext {
  workerName: string;
  generation: number;
  /** Address published ports bind to on the host, unless a port asks for one (publishAddress). */
  publishIp: string;
  /**
   * The network the container joins (`joins`), with the Poseidon network's gateway as resolver
   * and the services' zone as search domain (dnsSearch); absent: Docker's default bridge and the
   * host's resolvers.
   */
  network?: NetworkInfo;
  /** Host files bound read-only (the task's secrets and configs). */
  files?: readonly FileBind[];
}

/** CFS weights the kernel takes (cgroup v1 cpu.shares); 1024 is one core's worth, as Docker counts. */
const MIN_CPU_SHARES = 2;
const MAX_CPU_SHARES = 262_144;

/**
 * cpu as a relative weight, not a cap: a task that asked for 0.1 core gets a tenth of a core's
 * share when the host is busy and any idle cpu otherwise. A hard quota of what was asked would
 * throttle its own start-up (measured: `docker run --cpus 0.01` took 2.4 s to start, 0.28 s without).
 */
export function cpuShares(cores: number): number {
  return Math.min(MAX_CPU_SHARES, Math.max(MIN_CPU_SHARES, Math.round(cores * 1024)));
}

/**
 * The Engine API's create body for a task: limits, ports, labels, an init process, and the
 * defaults every task container gets: no privilege gained through setuid binaries
 * (`no-new-privileges`), a cap on processes (a fork bomb stays inside its container), a memory
 * limit equal to what the task asked with no swap on top, cpu as a weight (a quota only with
 * `cpuLimit`), and a log that is rotated instead of filling the disk.
 */
export function createOptions(task: TaskRequest, ctx: CreateContext): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Docker.PortMap = {};
  for (const p of task.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    if (p.publish === false) continue;
    const hostIp = publishAddress(p.hostIp, ctx.publishIp);
    if (hostIp instanceof Error) throw new ContainerStartFailed(hostIp.message);
    bindings[key] = [{ HostIp: hostIp, HostPort: p.hostPort === 0 ? '' : String(p.hostPort) }];
  }
  return {
    name: `poseidon-${task.name}-${task.id.slice(0, 8)}-${ctx.generation}`,
    Image: task.image,
    ...(task.command.length > 0 ? { Cmd: task.command } : {}),
    // [""] is how the Engine API takes "no entrypoint" (docker run --entrypoint "")
    ...(task.entrypoint === undefined ? {} : { Entrypoint: task.entrypoint.length > 0 ? task.entrypoint : [''] }),
    ...(task.user === undefined ? {} : { User: task.user }),
    ...(task.workdir === undefined ? {} : { WorkingDir: task.workdir }),
    ...(task.stopSignal === undefined ? {} : { StopSignal: task.stopSignal }),
    ...(task.stopGraceMs === undefined ? {} : { StopTimeout: stopGraceSeconds(task.stopGraceMs) }),
    ...(task.hostname === undefined ? {} : { Hostname: task.hostname }),
    // a check of its own replaces its image's HEALTHCHECK (the engine need not run that one too),
    // and imageHealthCheck: false turns it off
    ...(task.healthCheck === null && task.imageHealthCheck !== false ? {} : { Healthcheck: { Test: ['NONE'] } }),
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
      ...(ctx.network === undefined
        ? {}
        : {
            NetworkMode: ctx.network.joins,
            Dns: [ctx.network.gateway],
            DnsSearch: dnsSearch(task),
            DnsOptions: [DNS_NDOTS],
          }),
      ...(task.cpuCores > 0 ? { CpuShares: cpuShares(task.cpuCores) } : {}),
      ...(task.cpuLimitCores !== undefined && task.cpuLimitCores > 0
        ? { NanoCpus: Math.round(task.cpuLimitCores * 1e9) }
        : {}),
      ...(task.memoryBytes > 0 ? { Memory: task.memoryBytes, MemorySwap: task.memoryBytes } : {}),
      ...(hasMounts(task, ctx)
        ? { Mounts: [...mountsOf(task), ...tmpfsMounts(task), ...fileMounts(ctx.files ?? [])] }
        : {}),
      PidsLimit: task.pidsLimit ?? DEFAULT_PIDS_LIMIT,
      ...(task.readOnlyRootfs === true ? { ReadonlyRootfs: true } : {}),
      ...containerOptions(task),
      SecurityOpt: ['no-new-privileges'],
      // cut at a size and rotated (json-file, which `poseidon logs` reads): 10 MiB × 3 unless the task says
      LogConfig: {
        Type: 'json-file',
        Config: {
          'max-size': String(task.logMaxBytes ?? DEFAULT_LOG_SIZE_BYTES),
          'max-file': String(task.logMaxFiles ?? DEFAULT_LOG_FILES),
        },
      },
      // An init process as PID 1 forwards SIGTERM and reaps zombies: a plain `sleep` as PID 1
      // ignores SIGTERM and would make every stop wait out its whole grace period.
      Init: true,
      // Restarts are Poseidon's decision (restart policy, other nodes), never Docker's.
      RestartPolicy: { Name: 'no' },
    },
  };
}

/** Its /etc/hosts entries, /dev/shm's size, ulimits, capabilities, sysctls and groups, those it sets. */
function containerOptions(task: TaskRequest): Docker.HostConfig {
  return {
    ...(task.extraHosts === undefined ? {} : { ExtraHosts: task.extraHosts }),
    ...(task.shmSizeBytes === undefined ? {} : { ShmSize: task.shmSizeBytes }),
    ...(task.ulimits === undefined
      ? {}
      : { Ulimits: task.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) }),
    ...(task.capAdd === undefined ? {} : { CapAdd: task.capAdd }),
    ...(task.capDrop === undefined ? {} : { CapDrop: task.capDrop }),
    ...(task.sysctls === undefined ? {} : { Sysctls: task.sysctls }),
    ...(task.groupAdd === undefined ? {} : { GroupAdd: task.groupAdd }),
  };
}

/** Docker counts a stop's grace in whole seconds: a part of one is waited in full. */
export function stopGraceSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

function hasMounts(task: TaskRequest, ctx: CreateContext): boolean {
  return (
    (task.volumes !== undefined && task.volumes.length > 0) ||
    (task.tmpfs !== undefined && task.tmpfs.length > 0) ||
    (ctx.files !== undefined && ctx.files.length > 0)
  );
}

/** Each tmpfs, with its size when the task gave one. */
function tmpfsMounts(task: TaskRequest): Docker.MountConfig {
  return (task.tmpfs ?? []).map((t) => ({
    Type: 'tmpfs' as const,
    Source: '', // a tmpfs has none; the Engine API takes it empty
    Target: t.path,
    // 0: no size of its own (the engine's default); 1777, as /tmp is: anyone writes, only owners remove
    TmpfsOptions: { SizeBytes: t.sizeBytes ?? 0, Mode: 0o1777 },
  }));
}

/** A bind of each file, read-only: the task reads its secrets and configs, never writes them back. */
function fileMounts(files: readonly FileBind[]): Docker.MountConfig {
  return files.map((f) => ({ Type: 'bind' as const, Source: f.source, Target: f.target, ReadOnly: true }));
}

/**
 * A name of one dot (`tasks.web`, Swarm's name for a service's replicas) is looked up under the
 * search domains first: with the default ndots:1, musl (Alpine, BusyBox) asks for it as it is and
 * never tries them, so it would not be found. Names of two dots or more are asked as they are first.
 */
export const DNS_NDOTS = 'ndots:2';

/**
 * Where a container's resolver looks a short name up: a service by its name (`web`, as
 * `web.svc.poseidon.cluster`), and first, for a replica of a Compose stack, the stack's other
 * services by their Compose names (`db` as `db.<stack>.svc.poseidon.cluster`, the stack's `<stack>-db`).
 */
export function dnsSearch(task: Pick<TaskRequest, 'labels'>): string[] {
  const stack = task.labels[STACK_LABEL];
  return stack === undefined ? [DNS_ZONE] : [`${stack}.${DNS_ZONE}`, DNS_ZONE];
}
