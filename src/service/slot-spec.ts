import { STACK_LABEL, type ServiceSpec } from '../api/index.js';
import type { TaskSpec } from '../task/index.js';

// The task spec of one replica: the template, named for its slot, with the service's
// constraints added to its own and each named volume made the slot's own (`db-data` ->
// `db-data-2`), so a replica's data stays with its slot across updates and restarts. A service
// of a Compose stack gives its replicas the stack's label, so their containers look up the stack's
// other services by their Compose names (the worker adds the stack's DNS search domain). A global
// service's slot is pinned to its node apart from its constraints (TaskRequest.pinnedNodeId), so
// the pin is never shown as a rule someone wrote.

const MAX_LABEL = 63;

/** `<name>-<slot>`, shortened from the end of `name` so it stays a DNS label (63 characters). */
export function slotName(name: string, slot: number): string {
  const suffix = `-${slot}`;
  return `${name.slice(0, MAX_LABEL - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** The task spec for `slot` of the service (no id: each new task of the slot gets its own). */
export function slotTaskSpec(spec: ServiceSpec, slot: number): TaskSpec {
  const task: TaskSpec = { ...structuredClone(spec.task), name: slotName(spec.name, slot) };
  if (spec.constraints !== undefined && spec.constraints.length > 0)
    task.constraints = [...(spec.task.constraints ?? []), ...spec.constraints];
  if (spec.task.volumes !== undefined)
    task.volumes = spec.task.volumes.map((v) => (v.name === undefined ? v : { ...v, name: slotName(v.name, slot) }));
  const stack = spec.labels?.[STACK_LABEL];
  if (stack !== undefined && task.labels?.[STACK_LABEL] === undefined)
    task.labels = { ...task.labels, [STACK_LABEL]: stack };
  return task;
}
