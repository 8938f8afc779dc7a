import { isGlobalMode } from '../api/service-modes.js';
import { isKnownState, storedRequestProblem } from '../task/stored-request.js';
import type { FileRecord, IssuedCerts, NodeRecord, RevokedNode, TaskRecord, VolumeRecord } from './records.js';
import type { ServiceRecord } from './services/service-record.js';

/** What makes a stored value unusable as a manager record, or null. Checks what load() and the parts rely on. */
export function recordProblem(rec: unknown): string | null {
  const r = rec as Partial<{
    kind: unknown;
    task: Partial<TaskRecord>;
    node: Partial<NodeRecord>;
    revoked: Partial<RevokedNode>;
    issued: Partial<IssuedCerts>;
    service: Partial<ServiceRecord>;
    volume: Partial<VolumeRecord>;
    file: Partial<FileRecord>;
  }> | null;
  if (typeof r !== 'object' || r === null) return 'not an object';
  if (r.kind === 'volume') {
    const v = r.volume;
    return typeof v?.name === 'string' && typeof v.nodeId === 'string' && typeof v.createdAt === 'string'
      ? null
      : 'volume record without name, node or time';
  }
  if (r.kind === 'secret' || r.kind === 'config') {
    const f = r.file;
    return f?.kind === r.kind &&
      typeof f.name === 'string' &&
      typeof f.value === 'string' &&
      typeof f.size === 'number' &&
      typeof f.createdAt === 'string' &&
      typeof f.labels === 'object' &&
      f.labels !== null
      ? null
      : `${r.kind} record without name, value, size, labels or time`;
  }
  if (r.kind === 'revoked') return typeof r.revoked?.nodeId === 'string' ? null : 'revocation record without a node id';
  if (r.kind === 'issued') {
    const i = r.issued;
    return typeof i?.nodeId === 'string' && typeof i.expiresAt === 'string' && !Number.isNaN(Date.parse(i.expiresAt))
      ? null
      : 'issued-certificates record without a node id or expiry';
  }
  if (r.kind === 'service') return serviceProblem(r.service);
  if (r.kind === 'node') {
    const n = r.node;
    if (n?.availability !== undefined && n.availability !== 'drain' && n.availability !== 'pause')
      return 'node record with an unknown availability';
    if (n?.operatorLabels !== undefined && (typeof n.operatorLabels !== 'object' || n.operatorLabels === null))
      return 'node record with operator labels that are not a map';
    if (
      n?.certNodeIds !== undefined &&
      !(Array.isArray(n.certNodeIds) && n.certNodeIds.every((id) => typeof id === 'string'))
    )
      return 'node record with certificate node ids that are not a list of ids';
    return typeof n?.id === 'string' && typeof n.name === 'string' && typeof n.url === 'string'
      ? null
      : 'node record without id, name or url';
  }
  if (r.kind !== 'task') return `unknown kind ${JSON.stringify(r.kind)}`;
  const t = r.task;
  const request = storedRequestProblem(t?.request);
  if (request !== null) return `task record with ${request}`;
  if (!isKnownState(t?.state) || typeof t?.submittedAt !== 'string') return 'task record without a known state';
  return null;
}

function serviceProblem(s: Partial<ServiceRecord> | undefined): string | null {
  if (typeof s?.name !== 'string' || typeof s.version !== 'number' || typeof s.lastVersion !== 'number')
    return 'service record without a name or version';
  if (typeof s.spec?.task?.image !== 'string') return 'service record without a spec';
  // a global service (or job) has no replica count: one runs on each node
  if (typeof s.spec.replicas !== 'number' && !isGlobalMode(s.spec.mode))
    return 'service record without a replica count';
  return null;
}
