import { SPEC_FIELDS } from '../task/index.js';

/** What unreadSpecFields answers when nothing is held back: one array, so a view compares by identity. */
export const ALL_READ: readonly string[] = [];
const unread = new WeakMap<readonly string[], readonly string[]>();

/**
 * The task spec fields this manager knows and a worker does not read, from the list the worker
 * registered with (an older worker lacks the newer ones); empty when it reads them all, or when
 * it sent no list (a worker older than the list: nothing is known, so nothing is held back).
 * The answer is kept per list, which a node's record replaces only when it registers again.
 */
export function unreadSpecFields(specFields: readonly string[] | undefined): readonly string[] {
  if (specFields === undefined) return ALL_READ;
  let fields = unread.get(specFields);
  if (fields === undefined) {
    const read = new Set(specFields);
    fields = SPEC_FIELDS.filter((f) => !read.has(f));
    if (fields.length === 0) fields = ALL_READ;
    unread.set(specFields, fields);
  }
  return fields;
}
