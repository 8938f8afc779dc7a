import type { Worker } from './worker.js';

/**
 * The host ports held on this machine that are not the worker's tasks' (Worker.hostPortsOfTasks):
 * another container's, a process on the host, as `"8080/tcp"` or `"127.0.0.1:8080/tcp"`, in the order
 * `readHeld` gives. `publishIp` is where the worker publishes (its --host), where its tasks' ports that
 * name no host address are bound: the host's tables show them there.
 * This is what a heartbeat tells the manager, which counts the ports of Poseidon's tasks itself.
 * The tasks are looked at after the reading, so a task that started during it is never taken for
 * something else. A task whose start failed holds none of the ports it asked for: one held here
 * then (by another worker's container on a shared host, say) is reported, not taken for its own.
 */
export async function portsInUseOutside(
  worker: Pick<Worker, 'hostPortsOfTasks'>,
  readHeld: () => Promise<readonly string[]>,
  publishIp?: string,
): Promise<string[]> {
  const held = await readHeld();
  const own = worker.hostPortsOfTasks(publishIp);
  return held.filter((key) => !own.has(key));
}
