import type { Protocol, TaskRequest } from '../task/index.js';
import type { Filter, NodeView } from './types.js';

/** The key of a host port in NodeView.usedPorts: `"8080/tcp"`. */
export function hostPortKey(hostPort: number, protocol: Protocol): string {
  return `${hostPort}/${protocol}`;
}

/** The first requested host port already used on the node, as a key, or null when all are free. */
export function firstHostPortInUse(task: TaskRequest, node: NodeView): string | null {
  for (const port of task.ports) {
    // hostPort 0 lets Docker pick a free port when the container starts, so it never conflicts.
    if (port.hostPort === 0) continue;
    const key = hostPortKey(port.hostPort, port.protocol);
    if (node.usedPorts.has(key)) return key;
  }
  return null;
}

/**
 * One reason per port ("host port 8080/tcp in use"), so the explanation names the port to change;
 * "held outside Poseidon" when no task of the cluster holds it, so nobody looks for one that does.
 */
export const portsFilter: Filter = {
  name: 'ports',
  reject: (task, node) => {
    if (task.ports.length === 0) return null; // the common case, before any string is built
    const key = firstHostPortInUse(task, node);
    if (key === null) return null;
    return node.portsHeldOutside?.has(key) === true
      ? `host port ${key} held outside Poseidon`
      : `host port ${key} in use`;
  },
};
