import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ClusterUsageView, type ClusterTaskUsageView, type ManagerTaskView } from '../api/index.js';
import type { WorkerClient } from '../client/index.js';
import type { Manager } from './manager.js';

export interface UsageRouteDeps {
  manager: Manager;
  /** The client for a worker's URL (the manager's certificate). */
  workers(url: string, certNodeId: string | undefined): WorkerClient;
}

/** How long a node has to measure its containers (the engine takes about a second a container, side by side). */
const NODE_STATS_TIMEOUT_MS = 8_000;

/**
 * `GET /stats`: every node that runs a task is asked at once for its containers' usage, and the
 * answers are put together with what the manager knows of each task (its node, its service).
 */
export const usageRoutes: FastifyPluginAsyncTypebox<UsageRouteDeps> = async (app, { manager, workers }) => {
  app.get(
    '/stats',
    {
      config: { access: 'read' },
      schema: {
        response: { 200: ClusterUsageView },
        description:
          "What every running task uses now (`docker stats` across the cluster): cpu and memory as each task's " +
          'worker measured them. A node that does not answer in 8 s is listed with why, its tasks left out.',
      },
    },
    async (): Promise<ClusterUsageView> => {
      const running = new Map<string, ManagerTaskView>();
      for (const t of manager.listTasks({ state: 'Running' })) running.set(t.id, t);
      const holding = new Set([...running.values()].map((t) => t.nodeId));
      const nodes = manager.listNodes().filter((n) => holding.has(n.id));
      const tasks: ClusterTaskUsageView[] = [];
      const unanswered: ClusterUsageView['unanswered'] = [];
      await Promise.all(
        nodes.map(async (n) => {
          try {
            const stats = await workers(n.url, manager.workerCertId(n.id)).stats({ timeoutMs: NODE_STATS_TIMEOUT_MS });
            for (const u of stats.tasks) {
              const t = running.get(u.id);
              if (t === undefined) continue; // ended meanwhile, or not the manager's to show
              tasks.push({
                id: u.id,
                name: t.name,
                node: n.name,
                ...(t.service === undefined ? {} : { service: t.service }),
                cpu: u.cpu,
                memoryBytes: u.memoryBytes,
                memoryLimitBytes: u.memoryLimitBytes,
              });
            }
          } catch (err) {
            unanswered.push({ node: n.name, reason: err instanceof Error ? err.message : String(err) });
          }
        }),
      );
      tasks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
      unanswered.sort((a, b) => (a.node < b.node ? -1 : 1));
      return { tasks, unanswered };
    },
  );
};
