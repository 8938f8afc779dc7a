import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProcessesView, TopQuery } from '../api/index.js';
import type { WorkerClient } from '../client/index.js';
import { NotRunning } from '../errors/index.js';
import type { Manager } from './manager.js';

export interface ProcessesRouteDeps {
  manager: Manager;
  /** The client for a worker's URL (the manager's certificate). */
  workers(url: string): WorkerClient;
}

const TaskParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

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
      const { task, workerUrl } = manager.locate(req.params.id);
      if (workerUrl === null || task.containerId === null || task.state !== 'Running')
        throw new NotRunning(
          `task ${task.name} (${task.id.slice(0, 8)}) is ${task.state}, not Running`,
          'top lists what a running container runs',
        );
      return workers(workerUrl).processes(task.id, req.query.psArgs);
    },
  );
};
