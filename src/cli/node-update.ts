import type { NodeAvailability, NodeStatusView } from '../api/index.js';
import { InvalidField } from '../errors/index.js';
import { STDIO, type Output } from './each-name.js';
import { isNodeLabelKey, nodeLabelsText, parseNodeLabels } from '../task/constraint.js';
import { managerClient } from './manager-client.js';
import type { NodeFlags } from './status-action.js';
import { printable, toJson } from './terminal-text.js';

// `poseidon node update NODE --label-add k=v --label-rm k --availability active|pause|drain`, as
// `docker node update` takes them: labels the operator sets over the worker's own, kept when the
// worker registers again, and the node's availability.

export type NodeUpdateFlags = NodeFlags & {
  labelAdd?: string[];
  labelRm?: string[];
  availability?: string;
};

/** What `node update` asks the manager for, read from its flags; refused before anything is sent. */
export interface NodeUpdate {
  labels?: { add: Record<string, string>; remove: string[] };
  availability?: NodeAvailability;
}

/** What a change of availability says it did, after the node's name (`node update`, `node drain`, `node activate`). */
function availabilitySaid(availability: NodeAvailability, node: NodeStatusView): string {
  if (availability === 'pause') return 'paused: nothing new goes there; its tasks stay';
  if (availability === 'active') return 'active: it takes new work again';
  const n = node.taskCount;
  const moving =
    n === 0
      ? 'it runs no task'
      : `its ${n === 1 ? 'task moves' : `${n} tasks move`} to other nodes (waiting Pending while none has room)`;
  return `drained: nothing new goes there; ${moving}`;
}

export function nodeUpdateOf(flags: NodeUpdateFlags): NodeUpdate {
  const add = parseNodeLabels('--label-add', flags.labelAdd ?? []);
  const remove = [...new Set(flags.labelRm ?? [])];
  for (const key of remove) {
    if (!isNodeLabelKey(key))
      throw new InvalidField('--label-rm', `is ${JSON.stringify(key)}; give a label key (zone, not zone=a)`);
    if (Object.hasOwn(add, key)) throw new InvalidField('--label-rm', `names ${key}, which --label-add sets`);
  }
  const a = flags.availability;
  if (a !== undefined && a !== 'active' && a !== 'drain' && a !== 'pause')
    throw new InvalidField('--availability', `is ${JSON.stringify(a)}; use active, pause or drain`);
  const update: NodeUpdate = {};
  if (Object.keys(add).length > 0 || remove.length > 0) update.labels = { add, remove };
  if (a !== undefined) update.availability = a;
  if (update.labels === undefined && update.availability === undefined)
    throw new InvalidField('node update', 'changes nothing; give --label-add, --label-rm or --availability');
  return update;
}

/** `poseidon node update NODE`: labels first, then the availability; one line for each. */
export async function updateNode(nameOrId: string, flags: NodeUpdateFlags, io: Output = STDIO): Promise<void> {
  const update = nodeUpdateOf(flags);
  const client = managerClient(flags);
  const lines: string[] = [];
  let node: NodeStatusView | undefined;
  if (update.labels !== undefined) {
    node = await client.updateNodeLabels(nameOrId, update.labels);
    const labels = printable(nodeLabelsText(node.labels, node.operatorLabels));
    lines.push(`node ${printable(node.name)} labels: ${labels} (new placements match them)`);
  }
  if (update.availability !== undefined) {
    const set = { drain: client.drainNode, pause: client.pauseNode, active: client.activateNode }[update.availability];
    node = await set.call(client, nameOrId);
    lines.push(`node ${printable(node.name)} ${availabilitySaid(update.availability, node)}`);
  }
  io.out(flags.json === true ? `${toJson(node)}\n` : `${lines.join('\n')}\n`);
}
