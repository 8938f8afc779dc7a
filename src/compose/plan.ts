import type { ServiceSpec, ServiceView } from '../api/index.js';
import { isJobMode, type ServiceModeName } from '../api/service-modes.js';
import { InvalidField } from '../errors/index.js';
import { STACK_LABEL } from './convert.js';

// What a deploy does: compare the file's services (as the manager will read them: defaults
// filled in) with the services the cluster has, and sort them into create, update, remove and
// unchanged. Pure: the caller lists the services and carries the plan out.

export interface StackPlan {
  create: ServiceSpec[];
  /**
   * `newVersion`: the task template changed (the replicas roll, a job runs again); else only
   * replicas or settings. A change of `mode` is listed as one, though the manager refuses it
   * (remove and create again): `fromMode` is the service's now.
   */
  update: { spec: ServiceSpec; newVersion: boolean; changes: string[]; fromMode: ServiceModeName }[];
  /** The stack's services the file no longer has (removed only with --prune). */
  remove: string[];
  unchanged: string[];
}

export interface PlanInputs {
  stack: string;
  /** The file's services. */
  desired: readonly ServiceSpec[];
  /** Every service of the cluster (only the stack's are compared or removed). */
  existing: readonly ServiceView[];
  prune: boolean;
  /** The manager's reading of a spec: validated, defaults filled (parseServiceSpec). */
  normalize(spec: ServiceSpec): ServiceSpec;
  /** Whether two normalized specs differ in their task template (templateChanged). */
  templateChanged(a: ServiceSpec, b: ServiceSpec): boolean;
}

export function planStack(inputs: PlanInputs): StackPlan {
  const byName = new Map(inputs.existing.map((v) => [v.name, v]));
  const plan: StackPlan = { create: [], update: [], remove: [], unchanged: [] };
  const wanted = new Set<string>();
  for (const raw of inputs.desired) {
    const normalized = withoutRollout(inputs.normalize(raw));
    wanted.add(normalized.name);
    const current = byName.get(normalized.name);
    // a file never says forceUpdate: the service keeps its own, as the manager does (no restart)
    const kept = current?.spec.forceUpdate;
    const spec =
      normalized.forceUpdate === undefined && kept !== undefined ? { ...normalized, forceUpdate: kept } : normalized;
    if (current === undefined) {
      plan.create.push(spec);
      continue;
    }
    const owner = current.spec.labels?.[STACK_LABEL];
    if (owner !== inputs.stack) {
      const whose = owner === undefined ? 'belongs to no stack' : `belongs to stack ${owner}`;
      throw new InvalidField(
        `service ${spec.name}`,
        `exists and ${whose}; remove it or deploy under another stack name (--name)`,
      );
    }
    const changes = changedFields(current.spec, spec);
    if (changes.length === 0) plan.unchanged.push(spec.name);
    else
      plan.update.push({
        spec,
        newVersion: inputs.templateChanged(current.spec, spec),
        changes,
        fromMode: modeOf(current.spec),
      });
  }
  for (const view of inputs.existing)
    if (view.spec.labels?.[STACK_LABEL] === inputs.stack && !wanted.has(view.name)) plan.remove.push(view.name);
  plan.remove.sort();
  return plan;
}

/**
 * A job's spec as the manager takes it: a job has no rollout, and a reading that filled in the
 * update and rollback settings of one would have it refused.
 */
function withoutRollout(spec: ServiceSpec): ServiceSpec {
  if (!isJobMode(spec.mode)) return spec;
  const { update: _update, rollback: _rollback, ...job } = spec;
  return job;
}

/** The top-level fields (and task fields, as `task.image`) that differ, for people to read. */
export function changedFields(a: ServiceSpec, b: ServiceSpec): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ServiceSpec>;
  for (const key of [...keys].sort()) {
    if (key === 'mode') {
      if (modeOf(a) !== modeOf(b)) out.push(key);
    } else if (key === 'task') {
      const ta = a.task as Record<string, unknown>;
      const tb = b.task as Record<string, unknown>;
      for (const k of [...new Set([...Object.keys(ta), ...Object.keys(tb)])].sort())
        if (!sameValue(ta[k], tb[k])) out.push(`task.${k}`);
    } else if (!sameValue(a[key], b[key])) {
      out.push(key);
    }
  }
  return out;
}

/** A spec's mode: one that says none is replicated (the manager stores no `replicated`). */
export function modeOf(spec: Pick<ServiceSpec, 'mode'>): ServiceModeName {
  return spec.mode ?? 'replicated';
}

/** Deep equality of JSON values, key order aside. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
