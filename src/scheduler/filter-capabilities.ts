import { isCapabilityAllowed } from '../task/container-rules.js';
import type { Filter } from './types.js';

/**
 * A task that adds a capability beyond Docker's default set goes only to a node whose worker
 * gives it (`--allow-cap`); the worker refuses it too, so this filter only spares a failed start.
 */
export const capabilityFilter: Filter = {
  name: 'capabilities',
  lasting: true, // the worker's --allow-cap
  reject: (task, node) => {
    if (task.capAdd === undefined) return null;
    for (const cap of task.capAdd)
      if (!isCapabilityAllowed(cap, node.allowedCaps ?? [])) return `node does not allow capability ${cap}`;
    return null;
  },
};
