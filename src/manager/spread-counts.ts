import type { TaskRecord } from './records.js';

/** A count this high or higher weighs as this: the levels of a weight stay apart within a float's 53 bits. */
const LEVEL = 2 ** 13;

/** The label a preference spreads over: `node.labels.zone` -> `zone`. */
export function spreadKey(spread: string): string {
  return spread.slice('node.labels.'.length);
}

/**
 * The nodes a service's slots hold now, for spreading its next replicas: each slot once, where its
 * successor-most task wanted running is placed (null: not placed yet). A replica told to stop, or
 * one an update or a rollback replaces (start-first keeps it running until its successor runs), is
 * leaving its node: counted there, it would send the successors elsewhere, and once it is gone the
 * service would be lopsided. `version` is the service's version now.
 */
export function* slotNodes(
  taskIds: Iterable<string>,
  tasks: { task(id: string): TaskRecord | undefined },
  pool: { nodeOf(taskId: string): string | null },
  version: number | undefined,
): Generator<string | null> {
  const kept = new Map<number, TaskRecord>();
  for (const id of taskIds) {
    const rec = tasks.task(id);
    if (rec?.service === undefined || rec.desired !== 'running') continue;
    const other = kept.get(rec.service.slot);
    if (other === undefined || succeeds(rec, other, version)) kept.set(rec.service.slot, rec);
  }
  for (const rec of kept.values()) yield pool.nodeOf(rec.request.id);
}

/** `a` stays after `b`: of the service's version now (an update's or a rollback's), else submitted later. */
function succeeds(a: TaskRecord, b: TaskRecord, version: number | undefined): boolean {
  const [aNow, bNow] = [a.service?.version === version, b.service?.version === version];
  return aNow !== bNow ? aNow : a.submittedAt > b.submittedAt;
}

/**
 * A service's replicas per node and per value of each label its placement preferences spread
 * over, kept current as a pass places more of them. What placement minimises (`weight`): the
 * replicas in the node's group at the first label, then at the next, then on the node itself, so
 * replicas go evenly over zones first and over the nodes of a zone after. A node without the label
 * is in a group of its own kind (all such nodes together), as Swarm counts them.
 */
export class SpreadCounts {
  readonly #perNode = new Map<string, number>();
  /** Per label: the group (`=value`, or `-` for nodes without the label) -> replicas. */
  readonly #perValue: Array<Map<string, number>>;
  /** Each node's group key per label, read once. */
  readonly #groups = new Map<string, string[]>();

  constructor(
    private readonly keys: readonly string[],
    private readonly labelsOf: (nodeId: string) => Readonly<Record<string, string>> | undefined,
  ) {
    this.#perValue = keys.map(() => new Map());
  }

  /** One more replica on the node. */
  add(nodeId: string): void {
    this.#perNode.set(nodeId, (this.#perNode.get(nodeId) ?? 0) + 1);
    const groups = this.#groupsOf(nodeId);
    this.#perValue.forEach((m, i) => {
      const g = groups[i] as string;
      m.set(g, (m.get(g) ?? 0) + 1);
    });
  }

  /** Replicas on the node (what spreading over nodes alone counts). */
  onNode(nodeId: string): number {
    return this.#perNode.get(nodeId) ?? 0;
  }

  /** The replicas in the node's group at each label, the first weighing most, then on the node. */
  weight(nodeId: string): number {
    if (this.keys.length === 0) return this.onNode(nodeId);
    const groups = this.#groupsOf(nodeId);
    let w = 0;
    this.#perValue.forEach((m, i) => {
      w = w * LEVEL + Math.min(LEVEL - 1, m.get(groups[i] as string) ?? 0);
    });
    return w * LEVEL + Math.min(LEVEL - 1, this.onNode(nodeId));
  }

  #groupsOf(nodeId: string): string[] {
    let groups = this.#groups.get(nodeId);
    if (groups === undefined) {
      const labels = this.labelsOf(nodeId);
      // a value is kept apart from "no label" by its prefix
      groups = this.keys.map((k) => (labels !== undefined && Object.hasOwn(labels, k) ? `=${labels[k]}` : '-'));
      this.#groups.set(nodeId, groups);
    }
    return groups;
  }
}
