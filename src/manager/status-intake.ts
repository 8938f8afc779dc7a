import type { Logger } from 'pino';
import type { TaskReport } from '../api/index.js';
import { InvalidTransition, isActive, isTerminal, TaskState, type TaskRequest } from '../task/index.js';
import type { Changes } from './changes.js';
import type { ClusterState } from './cluster-state.js';
import type { Dispatcher } from './dispatcher.js';
import { taskEvent } from './events.js';
import type { TaskRecord } from './records.js';
import type { RestartSupervisor } from './restart-supervisor.js';
import { adopt, fail, finishStopped, lose, observe } from './transitions.js';

/**
 * Observed state from workers: each report is fenced by node and generation (a copy the node no
 * longer owns is answered with a stop there, never with a change of owner), applied through the
 * transitions, and a task that just ended gets its restart planned by the supervisor. One commit
 * per call; the tasks it changed go to reconcile.
 */
export class StatusIntake {
  constructor(
    private readonly deps: {
      state: ClusterState;
      dispatcher: Pick<Dispatcher, 'stopCopy' | 'forget'>;
      supervisor: Pick<RestartSupervisor, 'decide'>;
      /** Ids of the tasks charged to a node now (for a worker's complete list). */
      tasksOn(nodeId: string): Iterable<string>;
      /** These tasks changed: reconcile should look at them. */
      changed(ids: Iterable<string>): void;
      /** The one node the task may run on (its pin, or the node holding its volumes); undefined: any. */
      onlyNode?(request: TaskRequest): string | undefined;
      /** A task that mounts named volumes runs on the node (where its volumes now live). */
      ran?(nodeId: string, request: TaskRequest): Promise<void>;
      log: Logger;
    },
  ) {}

  /**
   * Applies what `nodeId` reports. `complete`: the worker listed everything it holds, so a task
   * it runs by the manager's books but did not list is lost there (its data dir was wiped).
   */
  async apply(nodeId: string, reports: readonly TaskReport[], complete: boolean): Promise<void> {
    const { state } = this.deps;
    const changes = state.newChanges();
    const ran: TaskRequest[] = [];
    for (const r of reports) {
      let rec = state.task(r.taskId);
      // back from Down still running the copy the task waits for there: that copy is the task's again
      if (rec !== undefined && this.#waitsHere(nodeId, rec, r)) {
        rec = adopt(rec, nodeId, `node ${state.nodeName(nodeId)} is back`, state.isoNow());
        changes.put(rec);
        this.deps.log.info({ taskId: r.taskId, nodeId, generation: r.generation }, 'task kept its copy on its node');
      }
      if (rec === undefined || rec.nodeId !== nodeId || r.generation < rec.generation) {
        // a copy this node no longer owns: stop it there, never change the owner
        const why = rec === undefined ? 'unknown task' : 'task runs elsewhere now';
        if (isActive(r.state)) this.deps.dispatcher.stopCopy(nodeId, r.taskId, r.generation, why);
        // an ended copy the node no longer owns (stopped there, or the task moved): the node drops
        // it, container and all; never for a stale report from the node that owns the task
        else if (rec === undefined || rec.nodeId !== nodeId)
          this.deps.dispatcher.forget([{ taskId: r.taskId, nodeId }]);
        continue;
      }
      if (rec.desired === 'stopped' && isActive(r.state) && !isActive(rec.state)) {
        this.deps.dispatcher.stopCopy(nodeId, r.taskId, r.generation, 'task was stopped');
        continue;
      }
      this.#observe(changes, changes.current(r.taskId, (id) => state.task(id)) ?? rec, r);
      // its container ran here (a quick one may be reported only once it ended): its volumes are
      // here. Not for a task ended before this report (a restarted worker lists its ended tasks
      // again): its volume was recorded when it ran, and may have been removed since
      const started = r.state === TaskState.Running || (r.startedAt !== null && isActive(rec.state));
      if (started && rec.request.volumes !== undefined) ran.push(rec.request);
    }
    if (complete) {
      const held = new Set(reports.map((r) => r.taskId));
      for (const id of [...this.deps.tasksOn(nodeId)]) {
        const rec = changes.current(id, (i) => state.task(i));
        if (rec === undefined || rec.state !== TaskState.Running || held.has(id)) continue;
        const reason = `worker ${state.nodeName(nodeId)} no longer has this task; rescheduling`;
        changes.put(lose(rec, reason, state.isoNow()));
        this.deps.log.warn({ taskId: id, reason }, 'task lost its node');
      }
    }
    if (changes.size > 0) {
      await state.commit(changes);
      this.deps.changed(changes.records.keys());
    }
    // after the commit: the volume is recorded where a task that is recorded Running runs
    for (const request of ran) await this.deps.ran?.(nodeId, request);
  }

  /**
   * The task was lost with this node (Pending, on no node, under the generation of the copy `r`
   * reports still active there) and may run on this node alone: it waited for it, as its reason said.
   */
  #waitsHere(nodeId: string, rec: TaskRecord, r: TaskReport): boolean {
    return (
      rec.state === TaskState.Pending &&
      rec.nodeId === null &&
      rec.desired === 'running' &&
      rec.generation > 0 &&
      r.generation === rec.generation &&
      isActive(r.state) &&
      this.deps.onlyNode?.(rec.request) === nodeId
    );
  }

  /** The worker refused to start the task itself: it fails, unless a newer placement replaced that one. */
  async refused(nodeId: string, taskId: string, generation: number, why: string): Promise<void> {
    const { state } = this.deps;
    const rec = state.task(taskId);
    if (rec === undefined || rec.generation !== generation || rec.state !== TaskState.Scheduled) return;
    const changes = state.newChanges();
    changes.put(fail(rec, `worker ${state.nodeName(nodeId)} refused the task: ${why}`, state.isoNow()));
    await state.commit(changes);
  }

  /** A stop found the task gone from its worker: the stop is done. */
  async gone(taskId: string): Promise<void> {
    const { state } = this.deps;
    const rec = state.task(taskId);
    if (rec === undefined || !isActive(rec.state)) return;
    const changes = state.newChanges();
    changes.put(finishStopped(rec, state.isoNow()));
    await state.commit(changes);
  }

  #observe(changes: Changes, rec: TaskRecord, r: TaskReport): void {
    const { state } = this.deps;
    let next: TaskRecord | null;
    try {
      next = observe(rec, r, state.compact, state.isoNow());
    } catch (err) {
      if (!(err instanceof InvalidTransition)) throw err;
      this.deps.log.debug(
        { taskId: rec.request.id, from: rec.state, to: r.state, code: err.code },
        'ignored out-of-order report',
      );
      return;
    }
    if (next === null) return;
    const node = next.nodeId === null ? null : state.nodeName(next.nodeId);
    const event = (type: Parameters<typeof taskEvent>[0], on: TaskRecord, extra = {}): void =>
      changes.event(taskEvent(type, on, node, state.isoNow(), extra));
    if (next.state !== rec.state) {
      // routine changes are events; a failure is also worth a line in the log
      const level = next.state === TaskState.Failed ? 'info' : 'debug';
      this.deps.log[level]({ taskId: rec.request.id, state: next.state, reason: r.reason }, 'task state changed');
    }
    // a start and its first verdict in one report (batched, or sent again to a restarted manager): the start first
    if (next.state !== rec.state && next.state === TaskState.Running) event('task.started', next);
    const health = next.health.status;
    if (health !== rec.health.status && (health === 'unhealthy' || health === 'healthy')) {
      event(health === 'unhealthy' ? 'task.unhealthy' : 'task.healthy', next, { reason: next.health.lastOutput });
    }
    if (next.state !== rec.state && isTerminal(next.state)) {
      // a quick task may start and end between two reports: it did start (the worker says when),
      // so its start is said first, once; one reported Running before had its task.started then
      if (startedUnseen(rec, next)) event('task.started', next, { time: next.startedAt ?? state.isoNow() });
      event('task.exited', next, { exitCode: next.exitCode });
      if (next.desired === 'running') {
        const verdict = this.deps.supervisor.decide(next);
        next = verdict.rec;
        if (verdict.kind === 'restart') event('task.restarting', next, { delayMs: verdict.delayMs });
        else if (verdict.kind === 'gave-up') event('task.gave-up', next);
      }
    }
    changes.put(next);
  }
}

/** `next` ended and started since the last report seen, which did not say Running: its start was not said yet. */
function startedUnseen(rec: TaskRecord, next: TaskRecord): boolean {
  return rec.state !== TaskState.Running && next.startedAt !== null && next.startedAt !== rec.startedAt;
}
