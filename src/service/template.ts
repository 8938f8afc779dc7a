import type { ServiceSpec } from '../api/index.js';
import { parseSpec } from '../task/index.js';
import { slotTaskSpec } from './slot-spec.js';

// What makes a new version: anything a replica's task is made from (the template and the
// service's constraints and placement preferences), and a new `forceUpdate` (a restart of every
// replica, asked for).
// Replicas, the update and rollback blocks and the service's labels are not: changing them
// changes how the service is run, not what runs.

/** The template reduced to what it means: units resolved, defaults filled, keys in one order. */
function meaning(spec: ServiceSpec): string {
  const request = parseSpec(slotTaskSpec(spec, 1));
  const { id: _id, name: _name, ...rest } = request;
  // constraints and volumes are kept as written too: a TaskRequest may not carry them (yet)
  return canonical({
    request: rest,
    constraints: spec.task.constraints ?? [],
    volumes: spec.task.volumes ?? [],
    serviceConstraints: spec.constraints ?? [],
    // as Swarm: new preferences roll the replicas out again, and each new one is placed by them
    preferences: spec.preferences ?? [],
    forceUpdate: spec.forceUpdate ?? 0,
  });
}

/** Whether `b` runs something else than `a`: true when the service needs a new version for it. */
export function templateChanged(a: ServiceSpec, b: ServiceSpec): boolean {
  return meaning(a) !== meaning(b);
}

/** JSON with object keys sorted, so two values that mean the same print the same. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
