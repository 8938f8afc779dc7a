import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { NodeState, NodeStatusView } from '../api/index.js';
import type { Clock } from '../clock/index.js';
import type { Scorer } from '../scheduler/index.js';
import type { Store } from '../store/index.js';
import type { TaskState } from '../task/index.js';
import { DEFAULT_VIP_RANGE } from '../discovery/index.js';
import { DEFAULT_CERT_TTL_MS } from '../pki/renewal.js';
import { Background } from './background.js';
import { ClusterState, type ManagerRecord } from './cluster-state.js';
import { assignMissingVips, Discovery, VipAllocator } from './discovery/index.js';
import { Dispatcher, type WorkerCalls } from './dispatcher.js';
import { ManagerMetrics } from './metrics.js';
import { NodeTracker } from './node-tracker.js';
import { Orchestrator } from './orchestrator.js';
import { Placer } from './placer.js';
import { isDrained } from './records.js';
import { Planner } from './plan.js';
import { slotNodes } from './spread-counts.js';
import { RestartSupervisor } from './restart-supervisor.js';
import { ServiceMetrics } from './services/service-metrics.js';
import { ServiceOps } from './services/service-ops.js';
import { ServiceOrchestrator } from './services/service-orchestrator.js';
import { DEFAULT_PLAIN_TASK_HISTORY, DEFAULT_TASK_HISTORY, TaskHistory } from './services/task-history.js';
import { StatusIntake } from './status-intake.js';
import { Submissions } from './submissions.js';
import { VolumeBook } from './volume-book.js';
import { FileBook } from './file-book.js';

/** How long a node's engine may be away (dockerd restarting) before its tasks are placed elsewhere. */
export const DEFAULT_ENGINE_GRACE_MS = 30_000;
/** A node whose worker said it is restarting is held this long before it is Down (`--restart-grace`). */
export const DEFAULT_RESTART_GRACE_MS = 30_000;

export interface ManagerDeps {
  store: Store<ManagerRecord>;
  clock: Clock;
  strategy: Scorer;
  log: Logger;
  metrics: Registry;
  /** Heartbeat period the manager asks workers for. */
  heartbeatPeriodMs: number;
  /** Missed heartbeats for this long: the node is Down. */
  heartbeatGraceMs: number;
  /** A node's container engine away this long: its tasks are placed elsewhere (default 30 s). */
  engineGraceMs?: number;
  /** A node whose worker said it is restarting: held this long before Down (default 30 s; 0: no hold). */
  restartGraceMs?: number;
  /** Safety-net sweep period. */
  sweepMs: number;
  /**
   * How long nodes known from the store have to beat after start() before they are Down; twice
   * heartbeatGraceMs unless set (a manager taking over a group's lead gives more).
   */
  startGraceMs?: number;
  /** A client per worker URL (a fake in unit tests). */
  /** The client for the worker at `url` whose certificate names `certNodeId` (undefined: any worker's). */
  workerClient(url: string, certNodeId: string | undefined): WorkerCalls;
  /**
   * The node id the certificate of the server at `url` names (rejects when none is reached): a
   * register of a URL another live node holds takes it only when it is the registering node's.
   * Absent: such a register is refused.
   */
  serverNodeAt?: (url: string) => Promise<string>;
  /** [0,1) for backoff jitter; Math.random unless a test fixes it. */
  random?: () => number;
  /** Where services' virtual IPs come from (`--vip-range`; default DEFAULT_VIP_RANGE). */
  vipRange?: string;
  /** How long the drain gate waits for a host that does not answer; APPLY_WAIT_MS unless a test sets it. */
  applyWaitMs?: number;
  /** Ended tasks kept per replica slot (`--task-history`; default DEFAULT_TASK_HISTORY); older ones are forgotten. */
  taskHistory?: number;
  /** Ended plain tasks kept in all (`--plain-task-history`; default DEFAULT_PLAIN_TASK_HISTORY). */
  plainTaskHistory?: number;
  /**
   * How long the node certificates the cluster issues last (`--cert-ttl`; DEFAULT_CERT_TTL_MS
   * unless set): a removed node's revocation is kept this long, then dropped.
   */
  certTtlMs?: number;
  /** Seals secrets in the store (pki/files-key.ts: from the cluster CA); a key for this process alone when absent. */
  filesKey?: Buffer;
}

/** The manager's parts, each with one job, wired to each other; Manager is their facade. */
export interface ManagerParts {
  readonly state: ClusterState;
  readonly nodes: NodeTracker;
  readonly intake: StatusIntake;
  readonly orchestrator: Orchestrator;
  readonly planner: Planner;
  readonly supervisor: RestartSupervisor;
  readonly dispatcher: Dispatcher;
  readonly placer: Placer;
  readonly submissions: Submissions;
  readonly services: ServiceOrchestrator;
  /** The Services API's operations. */
  readonly serviceOps: ServiceOps;
  readonly volumes: VolumeBook;
  readonly files: FileBook;
  /** Service discovery: the endpoint table, its watchers, the drain before a replica stops. */
  readonly discovery: Discovery;
  readonly background: Background;
  readonly clock: Clock;
  readonly log: Logger;
  /** ManagerDeps.certTtlMs, or DEFAULT_CERT_TTL_MS. */
  readonly certTtlMs: number;
  /** ManagerDeps.startGraceMs. */
  readonly startGraceMs?: number;
}

/**
 * Builds the parts and connects them. The order follows who needs whom: state first, placement
 * over it, then the calls to workers, what workers report, the loop, and node membership. Parts
 * that must call one built later get a function that reaches it once it exists.
 */
export function wireManager(deps: Readonly<ManagerDeps>): ManagerParts {
  const { clock, log } = deps;
  const state = new ClusterState({ store: deps.store, clock, log });
  const counts = {
    tasksByState: (): Map<TaskState, number> => {
      const byState = new Map<TaskState, number>();
      for (const t of state.tasks.values()) byState.set(t.state, (byState.get(t.state) ?? 0) + 1);
      return byState;
    },
    nodesByState: (): Map<string, number> => nodes.countByState(),
    nodes: (): NodeStatusView[] => nodes.list(),
    storeStats: () => deps.store.stats(),
  };
  const metrics: ManagerMetrics = new ManagerMetrics(deps.metrics, counts);
  const volumes = new VolumeBook({ state, log });
  const files = new FileBook({ state, log, ...(deps.filesKey === undefined ? {} : { key: deps.filesKey }) });
  const placer: Placer = new Placer({
    strategy: deps.strategy,
    clock,
    log,
    metrics,
    volumeHomes: (request) => volumes.homesOf(request),
  });
  const background = new Background(log);
  const submissions = new Submissions();
  const supervisor: RestartSupervisor = new RestartSupervisor({
    clock,
    random: deps.random ?? Math.random,
    due: (id) => orchestrator.changed([id]),
  });
  const dispatcher: Dispatcher = new Dispatcher({
    nodes: state.nodes,
    workerClient: deps.workerClient,
    clock,
    log,
    metrics,
    track: (p) => background.track(p),
    stopGraceMs: (taskId) => state.task(taskId)?.request.stopGraceMs,
    outcomes: {
      reported: (nodeId, reports): Promise<void> => intake.apply(nodeId, reports, false),
      refused: (nodeId, taskId, generation, why) => intake.refused(nodeId, taskId, generation, why),
      gone: (taskId) => intake.gone(taskId),
      retryAt: (taskId, atMs) => supervisor.wakeAt(taskId, atMs),
    },
  });
  const intake: StatusIntake = new StatusIntake({
    state,
    dispatcher,
    supervisor,
    tasksOn: (nodeId) => placer.pool.of(nodeId).tasks,
    changed: (ids) => orchestrator.changed(ids),
    onlyNode: (request) => request.pinnedNodeId ?? volumes.soleHome(request),
    ran: (nodeId, request) => volumes.ran(nodeId, request),
    log,
  });
  const services: ServiceOrchestrator = new ServiceOrchestrator({
    state,
    clock,
    log,
    kick: () => orchestrator.changed([]),
    roomHeldBy: (request, held, leaving) => placer.roomHeldBy(request, held, leaving),
  });
  const history = new TaskHistory({
    limit: deps.taskHistory ?? DEFAULT_TASK_HISTORY,
    plainLimit: deps.plainTaskHistory ?? DEFAULT_PLAIN_TASK_HISTORY,
    hasService: (name, id) => {
      const rec = state.services.get(name);
      return rec !== undefined && (id === undefined || rec.id === undefined || rec.id === id);
    },
    forget: async (ids) => {
      const nodeOf = new Map(ids.map((id) => [id, state.task(id)?.nodeId ?? null]));
      const gone = await state.forgetTasks(ids);
      // the workers that ran them drop their records too
      dispatcher.forget(
        gone.flatMap((taskId) => {
          const nodeId = nodeOf.get(taskId);
          return nodeId === null || nodeId === undefined ? [] : [{ taskId, nodeId }];
        }),
      );
      return gone;
    },
    log,
  });
  const discovery: Discovery = new Discovery({
    state,
    clock,
    log,
    metrics: deps.metrics,
    tasksOf: (service) => services.index.tasksOf(service),
    stop: (taskId, nodeId) => dispatcher.stop(taskId, nodeId),
    ...(deps.applyWaitMs === undefined ? {} : { applyWaitMs: deps.applyWaitMs }),
  });
  const planner: Planner = new Planner({
    state,
    placer,
    follow: (rec) => orchestrator.follow(rec.request.id, rec),
    replicaNodes: (service) =>
      slotNodes(services.index.tasksOf(service), state, placer.pool, state.services.get(service)?.version),
    unplaceable: (service) => services.unplaceable(service),
    metrics,
    log,
    nowMs: () => clock.now(),
  });
  const orchestrator: Orchestrator = new Orchestrator({
    state,
    placer,
    planner,
    dispatcher,
    supervisor,
    submissions,
    services: {
      step: async (all) => {
        const touched = await services.step(all);
        // a failed write is logged; the history is forgotten at a later pass
        await history.prune().catch((err: unknown) => log.warn({ err }, 'ended tasks not forgotten yet'));
        return touched;
      },
      start: () => {
        services.start();
        discovery.start();
        background.track(
          assignMissingVips({ state, lock: services.lock, vips, log, assigned: (n) => discovery.serviceChanged(n) }),
        );
      },
      stop: () => {
        services.stop();
        discovery.stop();
      },
    },
    // a replica's stop waits until its endpoint has drained from every host that follows the table
    stopGate: (taskId, nodeId) => discovery.holdStop(taskId, nodeId),
    nodeStates: () => {
      const states = new Map<string, NodeState>();
      // a node whose engine stayed away past the grace is, for its tasks, a lost node
      for (const [id, n] of state.nodes) states.set(id, n.engineLost === true ? 'Down' : n.state);
      return states;
    },
    drainedNodes: () => {
      const drained = new Set<string>();
      for (const [id, n] of state.nodes) if (isDrained(n)) drained.add(id);
      return drained;
    },
    clock,
    log,
    metrics,
    sweepMs: deps.sweepMs,
  });
  state.onRecord((id, rec) => {
    orchestrator.follow(id, rec);
    services.follow(id, rec);
    discovery.follow(id, rec);
    history.follow(id, rec);
  });
  const vips = new VipAllocator(deps.vipRange ?? DEFAULT_VIP_RANGE, function* () {
    for (const s of state.services.values()) if (s.vip !== undefined) yield s.vip;
  });
  const serviceOps = new ServiceOps({
    state,
    // the endpoint table follows every write of a service record
    services: {
      index: services.index,
      lock: services.lock,
      changed: (name) => {
        services.changed(name);
        discovery.serviceChanged(name);
        history.serviceChanged(name);
      },
    },
    tasksChanged: (ids) => orchestrator.changed(ids),
    files,
    vips,
    clock,
    log,
  });
  new ServiceMetrics(deps.metrics, serviceOps);
  const nodes: NodeTracker = new NodeTracker({
    state,
    // every node record the tracker writes reaches the scheduler through here; global services follow it too
    placer: {
      pool: placer.pool,
      setNode: (entry) => {
        services.nodeChanged(entry.record.id, entry.record);
        return placer.setNode(entry);
      },
      removeNode: (nodeId) => {
        services.nodeChanged(nodeId, undefined);
        placer.removeNode(nodeId);
      },
    },
    clock,
    log,
    metrics,
    heartbeatPeriodMs: deps.heartbeatPeriodMs,
    heartbeatGraceMs: deps.heartbeatGraceMs,
    engineGraceMs: deps.engineGraceMs ?? DEFAULT_ENGINE_GRACE_MS,
    restartGraceMs: deps.restartGraceMs ?? DEFAULT_RESTART_GRACE_MS,
    ...(deps.serverNodeAt === undefined ? {} : { serverNodeAt: deps.serverNodeAt }),
    up: (nodeId) => orchestrator.nodeUp(nodeId),
    down: (nodeId) => orchestrator.nodeDown(nodeId),
    joined: (url, nodeId) => {
      dispatcher.rejoined(url);
      // its replicas' endpoints name its URL and host: the hosts' proxies learn the new ones
      discovery.nodeJoined(placer.pool.of(nodeId).tasks);
    },
    roomGrew: () => orchestrator.roomGrew(),
    drained: (nodeId) => {
      // plain tasks are reconcile's to move; each service with a replica there replaces it start-first
      lookAtServicesOn(nodeId);
      orchestrator.nodeDrained(nodeId);
    },
    // each service with a replica there ends the move still under way (its step runs before the
    // pass places; a replacement not placed yet is not placed at all: ServiceOrchestrator.unplaceable)
    lifted: (nodeId) => lookAtServicesOn(nodeId),
  });
  /** Each service with a task on the node is looked at in the next step. */
  function lookAtServicesOn(nodeId: string): void {
    for (const id of placer.pool.of(nodeId).tasks) {
      const service = state.task(id)?.service?.service;
      if (service !== undefined) services.changed(service);
    }
  }
  return {
    state,
    nodes,
    intake,
    orchestrator,
    planner,
    supervisor,
    dispatcher,
    placer,
    submissions,
    services,
    serviceOps,
    volumes,
    files,
    discovery,
    background,
    clock,
    log,
    certTtlMs: deps.certTtlMs ?? DEFAULT_CERT_TTL_MS,
    ...(deps.startGraceMs === undefined ? {} : { startGraceMs: deps.startGraceMs }),
  };
}
