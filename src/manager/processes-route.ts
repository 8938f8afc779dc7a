import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProcessesView, TopQuery, TaskParams } from '../api/index.js';
import type { WorkerClient } from '../client/index.js';
import type { Manager } from './manager.js';
import { runningOn } from './task-worker.js';

export interface ProcessesRouteDeps {
  manager: Manager;
  /** The client for a worker's URL (the manager's certificate). */
  workers(url: string, certNodeId: string | undefined): WorkerClient;
}

/** `poseidon top`: passed on to the worker of the task's running container. */
export const processesRoute: FastifyPluginAsyncTypebox<ProcessesRouteDeps> = async (app, { manager, workers }) => {
  app.get(
    '/tasks/:id/top',
    {
      config: { access: 'read' },
      schema: {
        params: TaskParams,
        querystring: TopQuery,
        response: { 200: ProcessesView },
        description:
          "The processes of the task's running container, as `docker top` lists them: the engine runs ps on " +
          'the node (with `psArgs`, or -ef) and keeps those of the container.',
      },
    },
    async (req): Promise<ProcessesView> => {
      const { task, workerUrl, workerCertId } = runningOn(
        manager,
        req.params.id,
        'top lists what a running container runs',
      );
      return workers(workerUrl, workerCertId).processes(task.id, req.query.psArgs);
    },
  );
};
