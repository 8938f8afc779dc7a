import { fieldPath } from '../../errors/index.js';
import { describeConstraint, meetsConstraint, parseConstraint, type ConstrainedNode } from '../../task/index.js';
import { nodeLabels, type NodeEntry } from '../records.js';
import type { ServiceRecord } from './service-record.js';

/** What a global service's slots are decided from: each node the manager knows. */
export interface GlobalNode extends ConstrainedNode {
  availability: 'active' | 'drain' | 'pause';
}

/** A global service's slots as the nodes stand now. */
export interface GlobalSlots {
  /** Every known node's slot, kept while the node is known (ServiceRecord.nodeSlots). */
  nodeSlots: Record<string, number>;
  /** The highest slot given so far (ServiceRecord.lastSlot). */
  lastSlot: number;
  /** The slots wanted now, lowest first. */
  slots: number[];
  /** The node each wanted slot is pinned to. */
  nodeOf: Map<number, string>;
  /** Why each slot that is not wanted any more left: its replica stops with this reason. */
  left: Map<number, string>;
}

/**
 * One slot per node that takes the service's replicas, as Swarm's global orchestrator keeps one
 * task per node: a node takes one when it meets the service's and the template's constraints and
 * is active; a paused node keeps the slot it had (its replica stays, as a pause keeps what runs)
 * but gets none; a drained, removed or no longer matching node's slot leaves. A node that is down
 * keeps its slot: its replica is pinned to it and waits for it. A node gets the slot it had before
 * (the slot's volumes are there), or the next one never used. Pure.
 */
export function globalSlots(
  rec: Pick<ServiceRecord, 'spec' | 'nodeSlots' | 'slots' | 'lastSlot'>,
  nodes: GlobalNode[],
): GlobalSlots {
  const rules = [...(rec.spec.task.constraints ?? []), ...(rec.spec.constraints ?? [])].map((text, i) =>
    parseConstraint(fieldPath('constraints', i), text),
  );
  const nodeSlots = { ...rec.nodeSlots };
  const before = new Set(rec.slots ?? []);
  let next = Math.max(rec.lastSlot ?? 0, ...Object.values(nodeSlots)) + 1;
  const nodeOf = new Map<number, string>();
  const left = new Map<number, string>();
  const known = new Set<string>();
  // by id: slots are handed out in one order whatever order the nodes come in
  for (const node of [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    known.add(node.id);
    const had = nodeSlots[node.id];
    const unmet = rules.find((r) => !meetsConstraint(r, node));
    let why: string | null = null;
    if (node.availability === 'drain') why = `node ${node.name} drained`;
    else if (unmet !== undefined) why = `node ${node.name} does not meet the constraint "${describeConstraint(unmet)}"`;
    else if (node.availability === 'pause' && (had === undefined || !before.has(had))) why = 'paused';
    if (why !== null) {
      if (had !== undefined && why !== 'paused') left.set(had, why);
      continue;
    }
    const slot = had ?? next++;
    nodeSlots[node.id] = slot;
    nodeOf.set(slot, node.id);
  }
  // a node removed from the cluster never comes back under its id: its slot is forgotten (the
  // record stays small however many nodes come and go), and never given again (its volumes)
  for (const [nodeId, slot] of Object.entries(nodeSlots))
    if (!known.has(nodeId)) {
      left.set(slot, 'its node left the cluster');
      delete nodeSlots[nodeId];
    }
  return { nodeSlots, lastSlot: next - 1, slots: [...nodeOf.keys()].sort((a, b) => a - b), nodeOf, left };
}

/** Every node the manager knows, as a global service's slots read it. */
export function globalNodes(nodes: Iterable<[string, NodeEntry]>): GlobalNode[] {
  const out: GlobalNode[] = [];
  for (const [id, n] of nodes) {
    const labels = nodeLabels(n.record);
    out.push({
      id,
      name: n.record.name,
      availability: n.record.availability ?? 'active',
      ...(labels === undefined ? {} : { labels }),
    });
  }
  return out;
}
