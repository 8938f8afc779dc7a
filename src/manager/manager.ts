import type {
  HeartbeatReply,
  HeartbeatRequest,
  ManagerTaskView,
  NodeStatusView,
  RegisterRequest,
  RemovedNodeView,
  TaskReport,
} from '../api/index.js';
import { NodeNotFound, TaskNotFound } from '../errors/index.js';
import { stopEffect, toSpec, type TaskRequest } from '../task/index.js';
import { taskEvent, type EventBus } from './events.js';
import { DuplicateTask, NodeRevoked, REGISTER_FIRST, TaskNameTaken } from './errors.js';
import { certIdToCall, toTaskView, type PolledNode, type TaskRecord } from './records.js';
import { checkReportList } from './report-bounds.js';
import { removeNode } from './node-removal.js';
import { RevokedNotice } from './revoked-notice.js';
import type { ServiceOps } from './services/service-ops.js';
import { isOfService } from './services/service-record.js';
import type { VolumeBook } from './volume-book.js';
import type { FileBook } from './file-book.js';
import { saveUnwritten } from './submissions.js';
import { requestStop, submitted } from './transitions.js';
import { recordCopy, type RecordCopy } from './record-copy.js';
import { wireManager, type ManagerDeps, type ManagerParts } from './wiring.js';

export type { ManagerDeps } from './wiring.js';

/** How often the leader drops the revocations of nodes whose certificates have all expired. */
export const REVOKED_PRUNE_MS = 3_600_000;
export type { ManagerRecord } from './cluster-state.js';

/**
 * The Manager API's operations over the manager's parts (see wiring.ts): submissions, stops and
 * reads for people and the CLI, registration, heartbeats and reports for workers. It decides
 * nothing itself; each operation hands over to the part whose job it is.
 */
export class Manager {
  readonly #p: ManagerParts;
  /** Which removed nodes each worker was told of (for its tunnel). */
  readonly #revokedNotice: RevokedNotice;
  #cancelPrune: (() => void) | undefined;
  #stopped = false;

  constructor(deps: Readonly<ManagerDeps> | ManagerParts) {
    this.#p = 'orchestrator' in deps ? deps : wireManager(deps);
    this.#revokedNotice = new RevokedNotice(this.#p.state.revoked);
  }

  /** Task and node events, live (GET /events). */
  get events(): EventBus {
    return this.#p.state.events;
  }

  /** The Services API's operations (services/service-ops.ts). */
  get services(): ServiceOps {
    return this.#p.serviceOps;
  }

  /** Named volumes: where each is, and removing one (volume-book.ts). */
  get volumes(): VolumeBook {
    return this.#p.volumes;
  }

  /** Secrets and configs (file-book.ts). */
  get files(): FileBook {
    return this.#p.files;
  }

  /** Service discovery: endpoints, their watchers and the drain before a stop (discovery/). */
  get discovery(): ManagerParts['discovery'] {
    return this.#p.discovery;
  }

  /** Reloads desired and observed state; known nodes start Unknown with a double grace. */
  async start(): Promise<void> {
    const { tasks, nodes } = await this.#p.state.load();
    this.#p.nodes.load(nodes, this.#p.startGraceMs);
    this.#p.log.info({ tasks, nodes: nodes.length }, 'manager state loaded');
    this.#p.orchestrator.start();
    await this.pruneRevoked();
  }

  /**
   * Drops the revocations of nodes whose certificates have all expired (cluster-state.ts), now and
   * every REVOKED_PRUNE_MS after: the list workers are sent stays bounded. Only the leader runs it;
   * a group's followers see the deletes through their copy.
   */
  async pruneRevoked(): Promise<void> {
    const { state, clock, log } = this.#p;
    this.#cancelPrune?.();
    try {
      const dropped = await state.pruneRevoked(clock.now());
      if (dropped.length > 0)
        log.info({ nodeIds: dropped.slice(0, 20), count: dropped.length }, 'revocations dropped: certificates expired');
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot drop expired revocations yet');
    }
    if (!this.#stopped) this.#cancelPrune = clock.setTimer(REVOKED_PRUNE_MS, () => void this.pruneRevoked());
  }

  /** A follower's copy of the leader's records (group/state-copy.ts): task and service reads answer from it. */
  get copy(): RecordCopy {
    return recordCopy(this.#p.state);
  }

  /** Stops the timers and the loop, writes the submissions no pass took, and waits for calls in flight. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#cancelPrune?.();
    const p = this.#p;
    p.nodes.stop();
    p.supervisor.cancelAll();
    await p.orchestrator.stop();
    p.dispatcher.close(); // no batch left waiting for its gap behind the drain
    await saveUnwritten(p.state, p.submissions); // every accepted submission is durable
    await p.background.drain();
  }

  // ---- the API's operations ----

  /** Durable before it resolves (a 201 survives a crash); the next pass writes it with its placement (Submissions). */
  async submit(request: TaskRequest): Promise<ManagerTaskView> {
    const { state, submissions, orchestrator } = this.#p;
    const existing = state.task(request.id);
    if (existing !== undefined) {
      if (JSON.stringify(existing.request) !== JSON.stringify(request)) throw new DuplicateTask(request.id);
      await submissions.durable(request.id); // resubmitted: idempotent, and answered once durable
      return this.#view(request.id);
    }
    // one task not ended per name, as docker's containers: `logs NAME` and `stop NAME` never guess
    const holder = state.holderOf(request.name);
    if (holder !== undefined)
      throw new TaskNameTaken(request.name, {
        id: holder.request.id,
        state: holder.state,
        ...(holder.service === undefined ? {} : { service: holder.service.service }),
      });
    this.#p.files.checkRefs(request.files);
    const rec = submitted(state.compact.request(request), state.isoNow());
    if (this.#stopped) {
      // no more passes: write it as it is; the next manager places it
      const changes = state.newChanges();
      changes.put(rec);
      await state.commit(changes);
      return this.#view(request.id);
    }
    state.stage(rec);
    const durable = submissions.add(request.id);
    orchestrator.changed([request.id]);
    await durable;
    return this.#view(request.id);
  }

  async stopTask(idOrPrefix: string): Promise<ManagerTaskView> {
    const { state, supervisor, orchestrator, log } = this.#p;
    const rec = state.resolve(idOrPrefix);
    const id = rec.request.id;
    // asked already, or ended with no restart coming: nothing to stop, and it stays as it ended
    if (stopEffect({ state: rec.state, desired: rec.desired, restartPlanned: rec.restartAt !== null }) !== 'none') {
      const changes = state.newChanges();
      const stopped = changes.put(requestStop(rec, state.isoNow()));
      const node = stopped.nodeId === null ? null : state.nodeName(stopped.nodeId);
      // the record keeps its reason ("running") until the container ends; the event says what happened
      changes.event(taskEvent('task.stopped', stopped, node, state.isoNow(), { reason: 'stop requested' }));
      await state.commit(changes);
      supervisor.cancel(id); // a stop asked by the user is never undone by a restart
      log.info({ taskId: id }, 'task stop requested');
      orchestrator.changed([id]);
    }
    return this.#view(id);
  }

  getTask(idOrPrefix: string): ManagerTaskView {
    return this.#view(this.#p.state.resolve(idOrPrefix).request.id);
  }

  /** A task with the spec it runs (`GET /tasks/{id}`, what `poseidon status TASK` shows). */
  inspectTask(idOrPrefix: string): ManagerTaskView {
    const id = this.#p.state.resolve(idOrPrefix).request.id;
    const rec = this.#shown(id);
    if (rec === undefined) throw new TaskNotFound(id);
    return { ...this.#toView(rec), spec: toSpec(rec.request) };
  }

  listTasks(filter: { state?: string; node?: string; service?: string } = {}): ManagerTaskView[] {
    const { state } = this.#p;
    const out: ManagerTaskView[] = [];
    const wanted = filter.state?.toLowerCase();
    // a service created again under a removed one's name: its tasks, not the removed one's left
    const service = filter.service === undefined ? undefined : state.services.get(filter.service);
    for (const id of state.tasks.keys()) {
      const rec = this.#shown(id);
      if (rec === undefined || (wanted !== undefined && rec.state.toLowerCase() !== wanted)) continue;
      if (filter.service !== undefined && rec.service?.service !== filter.service) continue;
      if (service !== undefined && rec.service !== undefined && !isOfService(rec.service, service)) continue;
      if (filter.node !== undefined) {
        const n = rec.nodeId === null ? undefined : state.nodes.get(rec.nodeId);
        if (n === undefined || (n.record.name !== filter.node && n.record.id !== filter.node)) continue;
      }
      out.push(this.#toView(rec));
    }
    return out.sort((a, b) =>
      a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : a.id < b.id ? -1 : 1,
    );
  }

  listNodes(): NodeStatusView[] {
    return this.#p.nodes.list();
  }

  /**
   * The URL and container of the worker running a task (for logs), and the node id its worker's
   * certificate must name (records.ts's certIdToCall).
   */
  locate(idOrPrefix: string): { task: ManagerTaskView; workerUrl: string | null; workerCertId: string | undefined } {
    const task = this.getTask(idOrPrefix);
    const node = task.nodeId === null ? undefined : this.#p.state.nodes.get(task.nodeId);
    return {
      task,
      workerUrl: node?.record.url ?? null,
      workerCertId: node === undefined ? undefined : certIdToCall(node.record),
    };
  }

  /** The node id the certificate of the node's worker must name when it is called (certIdToCall). */
  workerCertId(nodeId: string): string | undefined {
    const node = this.#p.state.nodes.get(nodeId);
    return node === undefined ? nodeId : certIdToCall(node.record);
  }

  // ---- workers ----

  /** A worker registers; `polled`: a static worker, polled (static-workers.ts), with its certificate's node id. */
  async register(req: RegisterRequest, polled?: PolledNode): Promise<HeartbeatReply> {
    const { nodes, intake, orchestrator } = this.#p;
    if (this.isRevoked(req.nodeId)) throw new NodeRevoked(req.nodeId); // a removed static worker, polled again
    // a static worker whose certificate was revoked by its id (node rm before it was ever polled)
    if (polled !== undefined && this.isRevoked(polled.certNodeId)) throw new NodeRevoked(polled.certNodeId);
    await nodes.register(req, polled);
    await intake.apply(req.nodeId, req.tasks, true);
    orchestrator.nodeUp(req.nodeId); // capacity appeared, and its Scheduled tasks can be dispatched
    this.#revokedNotice.forget(req.nodeId); // a worker that (re)joins holds no revocations
    return this.#withRevoked(req.nodeId, nodes.deadline(req.nodeId));
  }

  async heartbeat(nodeId: string, req: HeartbeatRequest): Promise<HeartbeatReply> {
    const { nodes, intake } = this.#p;
    if (!nodes.has(nodeId)) throw new NodeNotFound(nodeId, REGISTER_FIRST);
    checkReportList(req.tasks, this.#owned(nodeId)); // refused whole: not even the beat counts
    nodes.beat(nodeId, req);
    await intake.apply(nodeId, req.tasks, false);
    const reply: HeartbeatReply = nodes.deadline(nodeId);
    if (req.listOwned === true) reply.owned = nodes.owned(nodeId, (id) => this.#p.state.task(id)?.generation);
    if (req.digest !== undefined && req.tasks.length === 0 && nodes.needsResync(nodeId, req.digest))
      reply.resync = true;
    return this.#withRevoked(nodeId, reply, req.revokedVersion);
  }

  /**
   * The reply, with the revoked node ids when the node does not hold them (its tunnel refuses
   * them): `held` is the version it said it holds; absent, when it was not told of them yet.
   */
  #withRevoked(nodeId: string, reply: HeartbeatReply, held?: string): HeartbeatReply {
    const revoked = this.#revokedNotice.news(nodeId, held);
    if (revoked !== undefined) reply.revoked = revoked;
    return reply;
  }

  async report(nodeId: string, reports: readonly TaskReport[]): Promise<void> {
    if (!this.#p.nodes.has(nodeId)) throw new NodeNotFound(nodeId, REGISTER_FIRST);
    checkReportList(reports, this.#owned(nodeId));
    await this.#p.intake.apply(nodeId, reports, false);
  }

  /**
   * Every revoked node id when a worker holds another version than `held` (a static worker, as its
   * stats said: static-workers.ts); undefined when it holds this one.
   */
  revokedFor(held: string): string[] | undefined {
    return this.#revokedNotice.differs(held);
  }

  /**
   * Records, durably, that a certificate issued to the node expires then (the authority's
   * onIssued): its removal keeps it revoked until then, whatever `--cert-ttl` is by that time.
   */
  certIssued(nodeId: string, expiresAtMs: number): Promise<void> {
    return this.#p.state.certIssued(nodeId, expiresAtMs);
  }

  /** Whether the node was removed from the cluster (its certificate is refused). */
  isRevoked(nodeId: string): boolean {
    return this.#p.state.revoked.has(nodeId);
  }

  /**
   * Removes a node (by id or name) at once: its certificate is refused from the moment this
   * resolves, its tasks are placed elsewhere, and its worker is asked (once, best effort) to stop
   * the copies it ran, so none runs twice if it is still up.
   */
  async removeNode(idOrName: string, dead = false): Promise<RemovedNodeView> {
    const removed = await removeNode(this.#p, idOrName, dead);
    this.#revokedNotice.forget(removed.nodeId);
    return removed;
  }

  /**
   * Drains a node (by id or name): nothing new is placed there, its plain tasks are placed
   * elsewhere and stopped there, and each service replica there is started elsewhere first and
   * stopped there once its replacement is ready. Durable before it answers; a node drained
   * already is left as it is.
   */
  async drainNode(idOrName: string): Promise<NodeStatusView> {
    const { nodes } = this.#p;
    return nodes.setAvailability(nodes.resolve(idOrName).record.id, 'drain');
  }

  /** Pauses a node: no new placements there, and its tasks stay (as Swarm's pause). */
  async pauseNode(idOrName: string): Promise<NodeStatusView> {
    const { nodes } = this.#p;
    return nodes.setAvailability(nodes.resolve(idOrName).record.id, 'pause');
  }

  /** Makes a drained node take work again (tasks moved away stay where they went). */
  async activateNode(idOrName: string): Promise<NodeStatusView> {
    const { nodes } = this.#p;
    return nodes.setAvailability(nodes.resolve(idOrName).record.id, 'active');
  }

  /** `poseidon node update --label-add/--label-rm`: the operator's labels of the node, over the worker's. */
  async updateNodeLabels(
    idOrName: string,
    add: Readonly<Record<string, string>>,
    remove: readonly string[],
  ): Promise<NodeStatusView> {
    const { nodes } = this.#p;
    return nodes.updateLabels(nodes.resolve(idOrName).record.id, add, remove);
  }

  /** Tasks the manager has charged to the node now. */
  #owned(nodeId: string): number {
    return this.#p.placer.pool.of(nodeId).count;
  }

  // ---- views ----

  /** What the API shows of a task: its durable record (a change on its way to the store is not shown yet). */
  #shown(id: string): TaskRecord | undefined {
    return this.#p.state.shown(id);
  }

  #view(id: string): ManagerTaskView {
    const rec = this.#shown(id);
    if (rec === undefined) throw new TaskNotFound(id); // callers resolved the id; a failed first write undid it
    return this.#toView(rec);
  }

  #toView(rec: TaskRecord): ManagerTaskView {
    return toTaskView(rec, rec.nodeId === null ? null : this.#p.state.nodeName(rec.nodeId));
  }
}
