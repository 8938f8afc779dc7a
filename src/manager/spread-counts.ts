/** A count this high or higher weighs as this: the levels of a weight stay apart within a float's 53 bits. */
const LEVEL = 2 ** 13;

/** The label a preference spreads over: `node.labels.zone` -> `zone`. */
export function spreadKey(spread: string): string {
  return spread.slice('node.labels.'.length);
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
