import type { Logger } from 'pino';
import type { RemovedVolumeView, VolumeDetailView, VolumeView } from '../api/index.js';
import type { VolumeHome } from '../scheduler/index.js';
import { isActive, TaskState, volumeNames, type TaskRequest } from '../task/index.js';
import type { ClusterState } from './cluster-state.js';
import { VolumeInUse, VolumeNotFound } from './errors.js';
import { certIdToCall, type TaskRecord } from './records.js';

/**
 * Named volumes: which node holds each. A volume lives on the node where a task that mounts it
 * first ran (the worker's engine created it there), and a task that mounts it is placed only on
 * that node from then on, so a restart or a new placement finds its data. The record is durable;
 * a node removed from the cluster takes its volumes' records with it, and a task that mounts one
 * may then go anywhere, where the volume is created anew (empty).
 */
export class VolumeBook {
  constructor(private readonly deps: { state: ClusterState; log: Logger }) {}

  /** The nodes (still in the cluster) holding the named volumes the task mounts. */
  homesOf(request: TaskRequest): VolumeHome[] {
    const { state } = this.deps;
    const homes: VolumeHome[] = [];
    for (const name of volumeNames(request.volumes)) {
      const v = state.volumes.get(name);
      const node = v === undefined ? undefined : state.nodes.get(v.nodeId);
      if (v !== undefined && node !== undefined)
        homes.push({ volume: name, nodeId: v.nodeId, nodeName: node.record.name });
    }
    return homes;
  }

  /** The one node holding every named volume the task mounts (so the only node it may run on); undefined: none. */
  soleHome(request: TaskRequest): string | undefined {
    const nodes = new Set(this.homesOf(request).map((h) => h.nodeId));
    return nodes.size === 1 ? [...nodes][0] : undefined;
  }

  /**
   * A task that mounts named volumes runs on `nodeId`: each volume no node in the cluster holds
   * is recorded there. Called for every Running report, so a write that failed is tried again
   * with the next one.
   */
  async ran(nodeId: string, request: TaskRequest): Promise<void> {
    const { state, log } = this.deps;
    for (const name of volumeNames(request.volumes)) {
      const known = state.volumes.get(name);
      if (known?.nodeId === nodeId || (known !== undefined && state.nodes.has(known.nodeId))) continue;
      await state.saveVolume({ name, nodeId, createdAt: state.isoNow() });
      log.info({ volume: name, nodeId, taskId: request.id }, 'volume recorded on its node');
    }
  }

  /** The node left the cluster for good: its volumes are forgotten (their tasks may go elsewhere). */
  async forgetNode(nodeId: string): Promise<void> {
    const { state } = this.deps;
    const names = [...state.volumes.values()].filter((v) => v.nodeId === nodeId).map((v) => v.name);
    await state.deleteVolumes(names);
  }

  list(): VolumeView[] {
    const users = this.#users();
    return [...this.deps.state.volumes.values()]
      .map((v) =>
        this.#view(
          v.name,
          (users.get(v.name) ?? []).map((t) => t.request.id),
        ),
      )
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** One volume, with each task that mounts it: its service and slot, its state, its node. */
  get(name: string): VolumeDetailView {
    const { state } = this.deps;
    const users = this.#users().get(name) ?? [];
    const view = this.#view(
      name,
      users.map((t) => t.request.id),
    );
    return {
      ...view,
      users: users.map((t) => ({
        id: t.request.id,
        name: t.request.name,
        ...(t.service === undefined ? {} : { service: t.service.service, slot: t.service.slot }),
        state: t.state,
        node: t.nodeId === null ? null : state.nodeName(t.nodeId),
      })),
    };
  }

  /**
   * Removes a volume: refused while a task that is not finished mounts it; else `removeOnNode`
   * (the holding worker's DELETE /volumes/{name}) and then the record. The node's URL is null
   * when the node is not known.
   */
  async remove(
    name: string,
    removeOnNode: (url: string, certNodeId: string | undefined) => Promise<void>,
  ): Promise<RemovedVolumeView> {
    const { state, log } = this.deps;
    const v = state.volumes.get(name);
    if (v === undefined) throw new VolumeNotFound(name, state.volumes.keys());
    const users = this.#users().get(name) ?? [];
    if (users.length > 0)
      throw new VolumeInUse(
        name,
        users.map((t) => ({ taskId: t.request.id, service: t.service?.service })),
      );
    const node = state.nodes.get(v.nodeId);
    if (node !== undefined) await removeOnNode(node.record.url, certIdToCall(node.record));
    await state.deleteVolumes([name]);
    log.info({ volume: name, nodeId: v.nodeId }, 'volume removed');
    return { name, node: state.nodeName(v.nodeId), nodeId: v.nodeId };
  }

  #view(name: string, inUseBy: string[]): VolumeView {
    const v = this.deps.state.volumes.get(name);
    if (v === undefined) throw new VolumeNotFound(name, this.deps.state.volumes.keys());
    return { name, node: this.deps.state.nodeName(v.nodeId), nodeId: v.nodeId, inUseBy, createdAt: v.createdAt };
  }

  /** Volume name -> the unfinished tasks that mount it. */
  #users(): Map<string, TaskRecord[]> {
    const users = new Map<string, TaskRecord[]>();
    for (const rec of this.deps.state.tasks.values()) {
      if (rec.request.volumes === undefined || !isUnfinished(rec)) continue;
      for (const name of volumeNames(rec.request.volumes)) {
        const list = users.get(name);
        if (list === undefined) users.set(name, [rec]);
        else list.push(rec);
      }
    }
    return users;
  }
}

/**
 * A task that holds a container, or will run again: waiting for a node, or for a restart its
 * policy planned. A task stopped, completed or given up is finished.
 */
export function isUnfinished(rec: TaskRecord): boolean {
  if (isActive(rec.state)) return true;
  if (rec.desired !== 'running') return false;
  return rec.state === TaskState.Pending || rec.restartAt !== null;
}
