import { formatBytes } from '../units/index.js';
import { NODE_DOWN } from './filter-node-up.js';
import type { ClosestMiss, Explanation, NeverFits, ResourceName } from './types.js';

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
  return `0/${e.evaluated} nodes can run ${e.taskName}: ${histogram(e.rejected, e.closestMiss, describeMiss)}`;
}

/**
 * neverFits' answer in one line, the same way, with the biggest node beside the resource it lacks:
 *
 *   0/2 nodes could ever hold it: 2 nodes have less than 500 GiB memory in all (the biggest, w1, has 23.5 GiB)
 */
export function explainNever(n: NeverFits): string {
  return `0/${n.evaluated} nodes could ever hold it: ${histogram(n.rejected, n.closestMiss, describeBiggest)}`;
}

/** Reasons with their counts, most common first, then alphabetical, so the text is stable. */
export function sortedReasons(rejected: ReadonlyMap<string, number>): [string, number][] {
  return [...rejected].sort(([ra, ca], [rb, cb]) => cb - ca || (ra < rb ? -1 : ra > rb ? 1 : 0));
}

function histogram(
  rejected: ReadonlyMap<string, number>,
  closestMiss: ClosestMiss | undefined,
  describe: (m: ClosestMiss) => string,
): string {
  const parts = sortedReasons(rejected).map(([reason, count]) => {
    const miss = closestMiss?.reason === reason ? ` (${describe(closestMiss)})` : '';
    return `${count} ${pluralize(reason, count)}${miss}`;
  });
  return parts.join(', ');
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
 * Reasons are written for one node ("node down", "node does not match ...", "node has less ..."); a
 * count above one reads "2 nodes down", "2 nodes do not match ...", "2 nodes have less ...".
 */
function pluralize(reason: string, count: number): string {
  if (count === 1 || !reason.startsWith('node ')) return reason;
  const rest = reason.slice('node '.length);
  if (rest.startsWith('does not ')) return `nodes do not ${rest.slice('does not '.length)}`;
  return rest.startsWith('has ') ? `nodes have ${rest.slice('has '.length)}` : `nodes ${rest}`;
}

function describeMiss(m: ClosestMiss): string {
  const free = formatAmount(m.resource, Math.max(0, m.free));
  return `needs ${formatAmount(m.resource, m.needed)}; most free ${free} on ${m.nodeName}`;
}

function describeBiggest(m: ClosestMiss): string {
  return `the biggest, ${m.nodeName}, has ${formatAmount(m.resource, m.free)}`;
}

/** An amount of a resource for people: "1.5 GiB", "2 cores". */
export function formatAmount(resource: ResourceName, amount: number): string {
  if (resource !== 'cpu') return formatBytes(amount);
  const cores = Number(amount.toFixed(3)); // 1.2000000000000002 -> 1.2
  return `${cores} ${cores === 1 ? 'core' : 'cores'}`;
}
