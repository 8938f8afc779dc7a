import { hostPaths, isHostPathAllowed } from '../task/index.js';
import type { Filter } from './types.js';

/**
 * A task that mounts a host directory goes only to a node whose worker allows it
 * (`--allow-host-path`); the worker refuses it too, so this filter only spares a failed start.
 */
export const hostPathFilter: Filter = {
  name: 'host-paths',
  lasting: true, // the worker's --allow-host-path
  reject: (task, node) => {
    if (task.volumes === undefined) return null;
    for (const path of hostPaths(task.volumes))
      if (!isHostPathAllowed(path, node.allowedHostPaths ?? [])) return `node does not allow host path ${path}`;
    return null;
  },
};

/** Where a named volume lives: the node that holds it. */
export interface VolumeHome {
  volume: string;
  nodeId: string;
  nodeName: string;
}

/**
 * Volume affinity, for one placement: a task that mounts a named volume some node holds goes to
 * that node, where its data is. Made per task by the caller, which knows where each volume lives
 * (a node that left the cluster holds nothing: the caller leaves its volumes out, and the task
 * may go anywhere, where the volume is created anew).
 */
export function volumeHomeFilter(homes: readonly VolumeHome[]): Filter {
  return {
    name: 'volume-home',
    lasting: true, // a volume stays on its node
    reject: (_task, node) => {
      for (const home of homes) if (home.nodeId !== node.id) return `volume ${home.volume} is on node ${home.nodeName}`;
      return null;
    },
  };
}
