import { FILE_KEY, type ClusterState, type ManagerRecord } from './cluster-state.js';
import { recordProblem } from './record-checks.js';

/** What a follower's state copy feeds: each record as etcd's watch delivers it, and a fresh start. */
export interface RecordCopy {
  apply(key: string, value: unknown): void;
  clear(): void;
}

/** The copy over the manager's state. */
export function recordCopy(state: ClusterState): RecordCopy {
  return { apply: (key, value) => copyRecord(state, key, value), clear: () => state.clear() };
}

/**
 * A follower's copy of the leader's records (group/state-copy.ts): the record stored under `key`
 * (as cluster-state.ts names keys), or its deletion (undefined), taken as it is. Nothing is
 * written and no event published; a record the parts could not use is left out (the leader sets
 * it aside). Node liveness is the leader's alone: a copied node is Unknown here.
 */
function copyRecord(state: ClusterState, key: string, value: unknown): void {
  const kind = key.slice(0, key.indexOf('/'));
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (value === undefined) {
    if (kind === 'task') state.copyTask(name, undefined);
    else if (kind === 'node') state.nodes.delete(name);
    else if (kind === 'revoked') state.revoked.delete(name);
    else if (kind === 'issued') state.issued.delete(name);
    else if (kind === 'service') state.services.delete(name);
    else if (kind === 'volume') state.volumes.delete(name);
    else if (kind === 'secret' || kind === 'config') state.files.delete(`${kind}/${name}`);
    return;
  }
  if (recordProblem(value) !== null || (value as ManagerRecord).kind !== kind) return; // set aside, or not ours
  const rec = value as ManagerRecord;
  switch (rec.kind) {
    case 'task':
      state.copyTask(rec.task.request.id, rec.task);
      return;
    case 'node': {
      const known = state.nodes.get(rec.node.id);
      state.nodes.set(rec.node.id, {
        state: 'Unknown',
        lastHeartbeatMs: null,
        metrics: null,
        ...known,
        record: rec.node,
      });
      return;
    }
    case 'revoked':
      state.revoked.set(rec.revoked.nodeId, rec.revoked);
      return;
    case 'issued':
      state.issued.set(rec.issued.nodeId, rec.issued);
      return;
    case 'service':
      state.services.set(rec.service.name, rec.service);
      return;
    case 'volume':
      state.volumes.set(rec.volume.name, rec.volume);
      return;
    case 'secret':
    case 'config':
      state.files.set(FILE_KEY(rec.file), rec.file);
  }
}
