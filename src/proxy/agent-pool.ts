import { Agent } from 'node:http';
import type { Target } from './balancer.js';

/**
 * One keep-alive agent per replica (address:port), so requests reuse upstream connections. A
 * replica that leaves the ready list keeps its agent while requests to it are in flight, but its
 * idle connections are closed and it gets no new request.
 */
export class AgentPool {
  readonly #agents = new Map<string, { agent: Agent; taskId: string }>();

  get(target: Target): Agent {
    let entry = this.#agents.get(target.key);
    if (entry === undefined) {
      // lifo: the most recently used socket is the one least likely to have been closed as idle
      const agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256, scheduling: 'lifo' });
      entry = { agent, taskId: target.taskId };
      this.#agents.set(target.key, entry);
    }
    return entry.agent;
  }

  /** Drops the agents of replicas not in `keep` (task ids): idle sockets close now, busy ones when done. */
  retain(keep: ReadonlySet<string>): void {
    for (const [key, entry] of this.#agents) {
      if (keep.has(entry.taskId)) continue;
      this.#agents.delete(key);
      closeWhenIdle(entry.agent);
    }
  }

  destroy(): void {
    for (const { agent } of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}

function closeWhenIdle(agent: Agent): void {
  for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
  // a socket that finishes its request now goes back to the free list: close it instead
  agent.on('free', (socket) => socket.destroy());
}
