import type { ServiceTaskRef } from '../../api/index.js';
import { isGlobalMode } from '../../api/service-modes.js';
import type { TaskRequest } from '../../task/index.js';
import type { ServiceRecord } from './service-record.js';

/**
 * A global service's replica stored before a pin had its own field (TaskRequest.pinnedNodeId)
 * carries it as one more constraint after the service's own, `node.id == <its node>`: it is moved
 * to pinnedNodeId, so it is never shown as a rule someone wrote. The service record says how many
 * rules were written for the replica's version; without it, or that version, the request stays
 * as it was stored (still placed on that node alone, by its rule).
 */
export function withLegacyPin(
  request: TaskRequest,
  ref: ServiceTaskRef | undefined,
  service: ServiceRecord | undefined,
): TaskRequest {
  if (ref === undefined || service === undefined || request.pinnedNodeId !== undefined) return request;
  if (!isGlobalMode(service.spec.mode)) return request;
  const rules = request.constraints ?? [];
  const pin = rules[rules.length - 1];
  if (pin === undefined || pin.attribute !== 'id' || pin.op !== '==') return request;
  const spec =
    ref.version === service.version
      ? service.spec
      : ref.version === service.previous?.version
        ? service.previous.spec
        : undefined;
  if (spec === undefined) return request;
  const written = (spec.task.constraints?.length ?? 0) + (spec.constraints?.length ?? 0);
  if (rules.length !== written + 1) return request;
  const { constraints: _all, ...rest } = request;
  return { ...rest, ...(written === 0 ? {} : { constraints: rules.slice(0, -1) }), pinnedNodeId: pin.value };
}
