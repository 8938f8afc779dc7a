import { heldBeside, hostPortKey } from '../task/host-port-key.js';
import type { TaskRequest } from '../task/index.js';
import type { Filter, NodeView } from './types.js';

export { hostPortKey };

/**
 * The first key of the node's used ports a requested host port cannot be bound beside, or null when all
 * are free: a port on one address conflicts with the same address and with every address, a port on
 * every address (no hostIp) with that port on any address (heldBeside).
 */
export function firstHostPortInUse(task: TaskRequest, node: NodeView): string | null {
  for (const port of task.ports) {
    // hostPort 0 lets Docker pick a free port when the container starts, so it never conflicts.
    if (port.hostPort === 0) continue;
    const held = heldBeside(node.usedPorts, hostPortKey(port.hostPort, port.protocol, port.hostIp));
    if (held !== undefined) return held;
  }
  return null;
}

/**
 * One reason per port ("host port 8080/tcp in use", "host port 127.0.0.1:8080/tcp in use"), so the
 * explanation names the port to change; "held outside Poseidon" when no task of the cluster holds it, so
 * nobody looks for one that does.
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
