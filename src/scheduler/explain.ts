import { formatBytes } from '../units/index.js';
import { NODE_DOWN } from './filter-node-up.js';
import type { ClosestMiss, Explanation } from './types.js';

/**
 * One line for a person, in the style of Kubernetes' FitError: the reasons as a histogram, most
 * common first (then alphabetical, so the text is stable), with the closest miss beside the
 * reason it belongs to:
 *
 *   0/3 nodes can run web-1: 2 not enough free memory (needs 4 GiB; most free 1.5 GiB on worker-2), 1 node down
 */
export function explain(e: Explanation): string {
  if (e.pinnedTo !== undefined) return waitingFor(e.pinnedTo, e);
  if (e.evaluated === 0) return 'no nodes have joined the cluster yet';
  const entries = [...e.rejected].sort(([ra, ca], [rb, cb]) => cb - ca || (ra < rb ? -1 : ra > rb ? 1 : 0));
  const parts = entries.map(([reason, count]) => {
    const miss = e.closestMiss?.reason === reason ? ` (${describeMiss(e.closestMiss)})` : '';
    return `${count} ${pluralize(reason, count)}${miss}`;
  });
  return `0/${e.evaluated} nodes can run ${e.taskName}: ${parts.join(', ')}`;
}

/**
 * A pinned task (a global service's replica) waits for its node, whatever the other nodes are:
 * "waiting for node w2 (down)", "waiting for node w2: not enough free memory (needs 4 GiB; ...)".
 */
function waitingFor(node: string, e: Explanation): string {
  const [reason = NODE_DOWN] = e.rejected.keys();
  const miss = e.closestMiss?.reason === reason ? ` (${describeMiss(e.closestMiss)})` : '';
  if (reason.startsWith('node ') && miss === '') return `waiting for node ${node} (${reason.slice('node '.length)})`;
  return `waiting for node ${node}: ${reason}${miss}`;
}

/**
 * Reasons are written for one node ("node down", "node does not match ..."); a count above one
 * reads "2 nodes down", "2 nodes do not match ...".
 */
function pluralize(reason: string, count: number): string {
  if (count === 1 || !reason.startsWith('node ')) return reason;
  const rest = reason.slice('node '.length);
  return rest.startsWith('does not ') ? `nodes do not ${rest.slice('does not '.length)}` : `nodes ${rest}`;
}

function describeMiss(m: ClosestMiss): string {
  return `needs ${formatAmount(m, m.needed)}; most free ${formatAmount(m, Math.max(0, m.free))} on ${m.nodeName}`;
}

function formatAmount(m: ClosestMiss, amount: number): string {
  if (m.resource !== 'cpu') return formatBytes(amount);
  const cores = Number(amount.toFixed(3)); // 1.2000000000000002 -> 1.2
  return `${cores} ${cores === 1 ? 'core' : 'cores'}`;
}
