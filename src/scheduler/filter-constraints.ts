import { describeConstraint, meetsConstraint } from '../task/index.js';
import type { Filter } from './types.js';

/**
 * A task's constraints (`node.labels.zone == a`, `node.name != n2`): every rule must hold. The
 * reason names the first rule the node fails, so the explanation says which rule to change or
 * which label a node lacks: "2 nodes do not match node.labels.zone == a".
 */
export const constraintsFilter: Filter = {
  name: 'constraints',
  lasting: true, // labels change when an operator or the worker's flags change them
  reject: (task, node) => {
    const rules = task.constraints;
    if (rules === undefined) return null; // the common case, before anything is built
    for (const rule of rules)
      if (!meetsConstraint(rule, node)) return `node does not match ${describeConstraint(rule)}`;
    return null;
  },
};
