import { toSpec } from '../task/request.js';
import { NESTED_SPEC_FIELDS, setsSpecField } from '../task/spec-fields.js';
import type { Filter } from './types.js';

/**
 * A task that sets a spec field a node's worker does not read (a worker older than the manager,
 * in the middle of an upgrade) does not go there: that worker would refuse the task, and it
 * would fail there instead of waiting for a node that runs it. Nodes that read every field, the
 * usual case, cost nothing here.
 */
export const specFieldsFilter: Filter = {
  name: 'spec-fields',
  lasting: true, // until its worker is upgraded
  reject: (task, node) => {
    const unread = node.specFieldsUnread;
    if (unread === undefined || unread.length === 0) return null;
    const spec = toSpec(task);
    for (const field of unread)
      if (setsSpecField(spec, field)) {
        const version = node.version === undefined ? 'an older poseidon' : `poseidon ${node.version}`;
        const shown = NESTED_SPEC_FIELDS[field] ?? field;
        return `node runs ${version}, whose worker does not read field ${shown} (upgrade it)`;
      }
    return null;
  },
};
