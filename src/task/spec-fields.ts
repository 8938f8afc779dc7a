import type { TaskSpec } from './spec.js';

// What the spec-fields filter (scheduler/filter-spec-fields.ts) asks of a task: whether it sets a
// field an older worker does not read. No TypeBox here: the scheduler reads it on every placement.

/**
 * Fields inside a top-level one that came later than it, each by a name of one word (a worker's
 * list is held to that pattern), with where it lies: an older worker refuses a task that sets one.
 */
export const NESTED_SPEC_FIELDS: Readonly<Record<string, string>> = { portsHostIp: 'ports[].hostIp' };

/** Whether the spec sets the field, top-level (`capAdd`) or one of NESTED_SPEC_FIELDS. */
export function setsSpecField(spec: TaskSpec, field: string): boolean {
  if (field === 'portsHostIp') return spec.ports?.some((p) => p.hostIp !== undefined) ?? false;
  return field in spec;
}
