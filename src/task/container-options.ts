import { InvalidField, type FieldNamer } from '../errors/index.js';
import { parseQuantity } from '../units/index.js';
import {
  CAPABILITY_RULE,
  EXTRA_HOST_RULE,
  isCapabilityAllowed,
  isSoftAboveHard,
  isUlimitName,
  normalCapabilities,
  ULIMIT_NAME_RULE,
} from './container-rules.js';
import { normalExtraHost } from './extra-host.js';
import type { TaskRequest, Ulimit } from './request.js';
import type { TaskSpec } from './spec.js';

// A task's container options beyond its process (container-rules.ts): its host name, /etc/hosts
// entries, /dev/shm's size, ulimits and capabilities, read from a spec into a request.

/**
 * Reads them into `request`, each set only when given (so records stored before are alike).
 * `allowedCaps`: on a worker, the capabilities beyond Docker's default set it gives
 * (`--allow-cap`); a task asking for another is refused. Undefined: no such check (the manager,
 * which places such a task only on a node that allows it).
 */
export function parseContainerOptions(
  spec: TaskSpec,
  request: TaskRequest,
  f: FieldNamer,
  allowedCaps?: readonly string[],
): void {
  if (spec.hostname !== undefined) request.hostname = spec.hostname; // its pattern is the schema's
  if (spec.extraHosts !== undefined && spec.extraHosts.length > 0)
    request.extraHosts = spec.extraHosts.map((text, i) => {
      const entry = normalExtraHost(text);
      if (entry === undefined)
        throw new InvalidField(f('extraHosts', i), `${EXTRA_HOST_RULE} (got ${JSON.stringify(text).slice(0, 80)})`);
      return entry;
    });
  if (spec.shmSize !== undefined) {
    const bytes = parseQuantity(f('shmSize'), spec.shmSize);
    if (bytes <= 0) throw new InvalidField(f('shmSize'), 'must be above 0 (leave it out for the 64 MiB default)');
    request.shmSizeBytes = bytes;
  }
  if (spec.ulimits !== undefined && Object.keys(spec.ulimits).length > 0) request.ulimits = ulimitsOf(spec, f);
  if (spec.capAdd === undefined && spec.capDrop === undefined) return; // a submission's usual path: nothing more
  const capAdd = capabilities(spec.capAdd, 'capAdd', f);
  const capDrop = capabilities(spec.capDrop, 'capDrop', f);
  const both = capAdd.find((c) => capDrop.includes(c));
  if (both !== undefined)
    throw new InvalidField(f('capDrop'), `drops ${both}, which capAdd adds: name it in one of them`);
  if (allowedCaps !== undefined)
    capAdd.forEach((cap, i) => {
      if (!isCapabilityAllowed(cap, allowedCaps))
        throw new InvalidField(f('capAdd', i), capabilityRefusal(cap, allowedCaps));
    });
  if (capAdd.length > 0) request.capAdd = capAdd;
  if (capDrop.length > 0) request.capDrop = capDrop;
}

/** Each limit by name, in name order; a soft limit above its hard one is refused (-1 is unlimited). */
function ulimitsOf(spec: TaskSpec, f: FieldNamer): Ulimit[] {
  const out: Ulimit[] = [];
  for (const [name, value] of Object.entries(spec.ulimits ?? {})) {
    if (!isUlimitName(name))
      throw new InvalidField(f(`ulimits.${name.slice(0, 32)}`), `is not a limit: the name ${ULIMIT_NAME_RULE}`);
    const { soft, hard } = typeof value === 'number' ? { soft: value, hard: value } : value;
    if (isSoftAboveHard(soft, hard))
      throw new InvalidField(f(`ulimits.${name}`), `has soft ${soft} above hard ${hard} (-1 is unlimited)`);
    out.push({ name, soft, hard });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The capabilities as Docker names them, once each. */
function capabilities(list: readonly string[] | undefined, field: string, f: FieldNamer): string[] {
  return normalCapabilities(
    list ?? [],
    (text, i) => new InvalidField(f(field, i), `${CAPABILITY_RULE} (got ${JSON.stringify(text).slice(0, 40)})`),
  );
}

function capabilityRefusal(cap: string, allowed: readonly string[]): string {
  const which = allowed.length === 0 ? "it allows none beyond Docker's default set" : `it allows ${allowed.join(', ')}`;
  return `${cap} is not a capability this worker gives (poseidon worker --allow-cap ${cap}); ${which}`;
}
