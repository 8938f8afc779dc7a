import type { TaskState } from '../../../../src/task/index.js';
import { parseServiceSpec } from '../../../../src/service/index.js';
import { NO_HEALTH, type TaskRecord } from '../../../../src/manager/records.js';
import { newRollout, type ServiceRecord } from '../../../../src/manager/services/service-record.js';
import { taskRequest } from '../../../helpers/task-request.js';

// What the rollout tests start from: service web at version 2 (image img:2) rolling out from
// version 1 (img:1), its update started at T0. The clock is a number.

export const T0 = Date.UTC(2025, 0, 1);
export const iso = (ms: number): string => new Date(ms).toISOString();

/** Service web mid-update from version 1 to 2, with `update` over a 1 s monitor. */
export function rollingService(update: Record<string, unknown>, replicas: number): ServiceRecord {
  const spec = parseServiceSpec({
    name: 'web',
    replicas,
    task: { image: 'img:2' },
    update: { monitor: 1000, ...update },
  });
  const old = parseServiceSpec({ name: 'web', replicas, task: { image: 'img:1' } });
  return {
    name: 'web',
    version: 2,
    spec,
    previous: { version: 1, spec: old },
    lastVersion: 2,
    update: newRollout('update', 1, 2, spec.update, T0, 'new version'),
    createdAt: iso(T0),
    updatedAt: iso(T0),
  };
}

let seq = 0;

/** A replica of web's `slot` at `version`, on node n1 with its own container unless `fields` say otherwise. */
export function slotTask(
  slot: number,
  version: number,
  state: TaskState = 'Running',
  fields: Partial<TaskRecord> = {},
): TaskRecord {
  seq += 1;
  const id = `${String(seq).padStart(8, '0')}-0000-4000-8000-000000000000`;
  return {
    request: taskRequest(id),
    desired: 'running',
    state,
    nodeId: 'n1',
    generation: 1,
    containerId: `c${seq}`,
    exitCode: null,
    reason: state === 'Failed' ? 'exited with code 1' : 'running',
    ports: [],
    restarts: 0,
    failuresInRow: 0,
    restartAt: null,
    health: NO_HEALTH,
    lastExit: null,
    submittedAt: iso(T0),
    startedAt: null,
    finishedAt: null,
    updatedAt: iso(T0 + 1),
    service: { service: 'web', slot, version },
    ...fields,
  };
}
