import { isActive } from '../task/index.js';
import { NodeHoldsExclusive } from './errors.js';
import type { TaskRecord } from './records.js';

/**
 * Removing a node moves its tasks elsewhere. An exclusive task must never run twice, and a node
 * that is removed may still run its copy (a cut, a frozen machine): only `--dead` (the operator
 * says the machine and its containers are gone) lets them move. Throws NodeHoldsExclusive.
 */
export function refuseIfExclusive(
  nodeName: string,
  taskIds: Iterable<string>,
  task: (id: string) => TaskRecord | undefined,
): void {
  const held: string[] = [];
  for (const id of taskIds) {
    const rec = task(id);
    if (rec?.request.exclusive === true && isActive(rec.state)) held.push(id);
  }
  if (held.length > 0) throw new NodeHoldsExclusive(nodeName, held);
}
